"""An AWS account read through boto3: what ``kmstui policy audit`` needs of it.

The only part of kmstui that imports boto3 (the ``aws`` extra); the engine and the
console never import it."""
