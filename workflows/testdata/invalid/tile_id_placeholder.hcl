# An unknown placeholder in the tile id template.
# ERROR: 14:8 {minz} is not a placeholder (did you mean "minx"?)
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}
step "resample" "r" {
  input      = source.dsm.t0
  resolution = 1
}
tiling {
  size = 200
  id = "{minz}_{miny}"
}
publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
