package main

deny contains "always" if true
