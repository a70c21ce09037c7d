from pathlib import Path
SRC = Path(__file__).resolve().parents[2] / "web/static/js/call-captions.js"

def patch(context):
    def handler(route):
        text = SRC.read_text()
        if "this.onFor = new Map();" in text and "this.behind = new Map();\n    this.settleTimer" not in text:
            text = text.replace("this.onFor = new Map();", "this.onFor = new Map(); this.behind = new Map();", 1)
        route.fulfill(status=200, content_type="text/javascript", body=text)
    context.route("**/static/js/call-captions.js", handler)
    return context
