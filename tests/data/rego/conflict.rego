# Two values for one complete rule: an evaluation error, not a compile error.
package signoff

threshold := 0.8 if input.results.overall.accuracy

threshold := 0.9 if input.manifest

deny contains "accuracy below threshold" if input.results.overall.accuracy.value < threshold
