# The OPA 0.x spelling of v1 keywords.
package signoff

import future.keywords.contains
import future.keywords.if

deny contains "accuracy below 0.8" if input.results.overall.accuracy.value < 0.8
