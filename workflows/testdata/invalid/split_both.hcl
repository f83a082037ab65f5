# A split by ratios and counts at once, and one by neither.
# ERROR: 13:3 A split is given by ratios or by counts, not both
# ERROR: 16:1 A split is already defined at
# ERROR: 16:1 Missing split ratios
dataset "d" { version = "1.0.0" }
source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}
tiling { size = 200 }

split {
  ratios = { train = 0.5, test = 0.5 }
  counts = { train = 10, test = 10 }
}

split {
  seed = 1
}
