# A workflow split over two files of one directory, read as one.
dataset "multi" { version = "0.1.0" }
tiling { size = 200 }
step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}
publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
