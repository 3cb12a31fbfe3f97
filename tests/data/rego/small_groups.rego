# Every group of every protected attribute needs at least 30 rows.
package signoff

deny contains msg if {
	some attr, g
	n := input.results.by_attribute[attr].groups[g].count.value
	n < 30
	msg := sprintf("group %s=%s has %d rows, fewer than 30", [attr, g, n])
}
