// Package templates holds the text/template and html/template files
// dmforge renders its non-Go output from (reports, pages), embedded in
// the binary.
package templates

import "embed"

// FS holds every *.tmpl file of this directory, by base name.
//
//go:embed *.tmpl
var FS embed.FS

// Read returns the text of the named template file ("diff.html.tmpl").
func Read(name string) (string, error) {
	b, err := FS.ReadFile(name)
	return string(b), err
}
