# Three steps reading each other: one diagnostic names every block on the cycle.
# ERROR: 15:16 step.resample.a → step.resample.c → step.resample.b → step.resample.a
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}

tiling { size = 200 }

# Order in the file does not matter: the cycle is reported from the first
# block declared, following its references.
step "resample" "a" {
  resolution = 1
  input      = step.resample.c
}

step "resample" "b" {
  resolution = 1
  input      = step.resample.a
}

step "resample" "c" {
  resolution = 1
  input      = step.resample.b
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
