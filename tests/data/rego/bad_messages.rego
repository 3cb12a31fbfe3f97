# Messages signoff cannot turn into gates.
package signoff

deny contains 42 if true

deny contains {"msg": "unknown severity", "severity": "fatal"} if true

deny contains "a plain message" if true
