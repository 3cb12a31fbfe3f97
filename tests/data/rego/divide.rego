# A built-in error (division by zero) is an error, not a silent "undefined".
package signoff

deny contains msg if {
	ratio := input.results.overall.accuracy.value / 0
	msg := sprintf("ratio %v", [ratio])
}
