# Publishers decode their own schemas; unknown kinds get suggestions.
# ERROR: 23:9 No publisher "stak" is registered; did you mean "stac"?
# ERROR: 26:17 "lz4" is not allowed; use one of zstd, snappy, gzip, none.
# ERROR: 30:10 end the path with .html
# ERROR: 34:14 "https//example.org" is not an absolute http(s) URL
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}

source "dsm" "t1" {
  files = ["../data/dsm_t1/*.tif"]
}

tiling { size = 200 }

step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}

publish "stak" "catalog" {}

publish "parquet" "stats" {
  compression = "lz4"
}

publish "report" "html" {
  path = "report.htm"
}

publish "stac" "catalog" {
  base_url = "https//example.org"
}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
