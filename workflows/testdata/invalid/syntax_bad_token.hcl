# An attribute without a value.
# ERROR: 5:11 Invalid expression

dataset "d" {
  title = 
}
