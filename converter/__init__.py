"""Keras model → TF.js graph model for the browser, checked against Keras before it is accepted.

``python -m converter <version>`` reads ``models/<version>/model.keras`` and writes ``models/<version>/tfjs/``
(``model.json``, weight shards and ``manifest.json``), float16 weights by default. A conversion only lands when
TF.js in Node (wasm backend, the one the page uses) gives the same top-1 class as Keras on every one of
≥ 1000 real crops; the figures go into the model's ``card.json`` under ``"conversion"``.

Nothing heavy is imported here: the layout checks (model not found, class list differs, Node missing) answer
before TensorFlow is imported.
"""
