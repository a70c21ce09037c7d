"""Machine translation of caption text with Argos Translate packages, fully offline.

Packages are installed explicitly (``interp models install translation …``) into
``<models_dir>/translation``. Translation itself runs the package's CTranslate2
model directly on each caption segment: argostranslate's own ``translate``
module imports stanza and downloads a sentence splitter on first use, and
caption segments are short enough not to need one.
"""
