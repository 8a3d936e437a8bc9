"""Text rendered to pixels, as a pixel language model reads it (PIXEL, Rust et al., ICLR 2023).

`fonts` finds a versioned font set on disk and picks, for every character, the font that draws
it; `line` shapes a text on one line with HarfBuzz and measures it in patches; `raster` draws the
shaped line with FreeType, for a person to check. The `pixels:` scheme (toklab.adapters.pixels)
is built on these.
"""
