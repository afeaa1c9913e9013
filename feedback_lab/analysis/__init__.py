"""Analyses: ``embed`` (lowest), then the siblings ``cluster``, ``drift`` and ``agreement``.

Siblings never import each other; ``cluster`` and ``drift`` may call ``embed``
(the layer below) when the caller did not pass embeddings.
"""
