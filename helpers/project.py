"""What every keyword library of the suite declares about itself: one version and one documentation format.

The docstrings are written in Markdown (backticks for code, `-` lists); libdoc renders them with the `markdown`
package (pinned in requirements.txt).
"""

VERSION = "3.0"
DOC_FORMAT = "MARKDOWN"
