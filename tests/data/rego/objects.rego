# Object-form messages: id and severity.
package signoff

import rego.v1

deny contains {"msg": msg, "id": "calibration", "severity": "warning"} if {
	input.results.overall.expected_calibration_error.value > 0.05
	msg := sprintf("expected calibration error %v exceeds 0.05", [input.results.overall.expected_calibration_error.value])
}

deny contains {"msg": "no seed recorded in the manifest"} if {
	input.manifest.seed == null
}
