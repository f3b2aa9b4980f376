"""How the product downloads files from the Hub: over plain HTTP, never through Xet.

huggingface_hub downloads an LFS file through Xet (the ``hf_xet`` package, a hard dependency on x86_64
and arm64) whenever the Hub announces Xet storage for it (``X-Xet-Hash`` and a ``rel="xet-auth"`` link on
the ``/resolve/`` answer, ``xetHash`` in the tree), which it does for nearly every LFS file today.
Embedding Radar turns Xet off for its own downloads (smoke-test snapshots, the ``mteb/results`` parquet)
and takes the Hub's plain-HTTP path instead, the one every client without ``hf_xet`` uses: the 302 to
the CDN. Why:

* It is the path the tests run end to end. The replay Hub serves the redirect, the CDN and the Xet
  announcements, but not Xet's content service (chunk reconstruction from xorbs), which has no recorded
  traffic to replay faithfully; a production path the tests never run is the one that breaks unseen.
* Xet keeps a chunk cache of its own under ``$HF_HOME/xet``, outside ``paths.cache_dir``, which the
  product sizes, isolates per run and cleans.
* The product downloads a few small models once per commit and one parquet a week: Xet's deduplication
  and parallel chunk fetches buy nothing measurable there.

Setting the environment variable ``HF_HUB_DISABLE_XET`` is not enough on its own: huggingface_hub reads
it once, when it is first imported, which may happen before the product runs. The switch below acts on
the value huggingface_hub consults at every download.
"""

from __future__ import annotations


def plain_http_downloads() -> None:
    """Make huggingface_hub download over plain HTTP (no Xet) in this process from now on."""
    from huggingface_hub import constants

    constants.HF_HUB_DISABLE_XET = True
