package signoff

deny contains msg if {
	input.results.overall.accuracy.value <
	msg := "accuracy below 0.8"
