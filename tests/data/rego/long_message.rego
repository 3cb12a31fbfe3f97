package signoff

deny contains "The model's accuracy on the evaluation set is below the floor the credit policy sets for automated decisions" if true
