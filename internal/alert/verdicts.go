package alert

// Verdicts counts the closed alerts of one detection rule and source type
// (alert closure reasons, for false-positive rates).
type Verdicts struct {
	Rule   string
	Source string
	// Closed counts alerts resolved or closed as false positive.
	Closed int
	// FalsePositive counts those closed as false positive.
	FalsePositive int
}
