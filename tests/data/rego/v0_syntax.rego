# Rego v0 partial set rule: not supported (the engine reads Rego v1).
package signoff

deny[msg] {
	input.results.overall.accuracy.value < 0.8
	msg := "accuracy below 0.8"
}
