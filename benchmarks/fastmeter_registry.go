package benchmarks

// fastmeterLibraries holds the fastmeter adapter when it is compiled in
// (see fastmeter.go); empty otherwise.
var fastmeterLibraries []library
