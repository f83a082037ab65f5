# A missing closing brace: the parser stops at the end of the file.
# ERROR: 7:19 There is no closing brace for this block

dataset "d" {
  version = "1.0.0"

source "dsm" "t0" {
