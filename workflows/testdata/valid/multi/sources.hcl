source "dsm" "t0" {
  files = ["../../data/dsm_t0/*.tif"]
}
source "dsm" "t1" {
  files = ["../../data/dsm_t1/*.tif"]
}
