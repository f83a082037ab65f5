# A workflow split over two files of one directory, read as one.
dataset "multi" { version = "0.1.0" }
tiling { size = 200 }
step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}
publish "stac" "catalog" {}
