package report

// ToCP1252 is toCP1252 for the external tests (what the PDF can show of a
// UTF-8 text).
var ToCP1252 = toCP1252
