# Accuracy floor, and missing evidence is a failure (a rule over a missing
# value is undefined and denies nothing, so say so explicitly).
package signoff

import rego.v1

deny contains msg if {
	input.results.overall.accuracy.value < 0.8
	msg := sprintf("accuracy %v is below the 0.8 floor", [input.results.overall.accuracy.value])
}

deny contains "accuracy is missing from the evidence" if {
	not input.results.overall.accuracy.value
}
