# An empty workflow names what it needs.
# ERROR: 1:1 Missing dataset block
# ERROR: 1:1 Missing tiling block
# ERROR: 1:1 No raster sources
