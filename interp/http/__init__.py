"""HTTP transport: routes, authentication, pages."""
