"""ncpeh: a National Contact Point for eHealth for MyHealth@EU.

Capabilities live in sub-packages: ``xmlsafe`` (hardened XML input), ``terminology``
(catalogue), ``documents`` (eHDSI CDA reading and view model), ``transform``
(transcode and translate), ``render`` (HTML and PDF) and ``cli``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
