package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// Finding is one diagnostic. Line and Column are 1-based; Column is 0 when
// the position is known only to the line (the resolved graph records lines).
type Finding struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Column   int      `json:"column"`
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	Path     string   `json:"path"`
	Message  string   `json:"message"`
}

// String renders the finding as "file:line:col: severity: message [rule]",
// or "file:line: severity: message [rule]" when the column is unknown (0).
func (f Finding) String() string {
	loc := f.File
	if f.Line > 0 {
		loc += fmt.Sprintf(":%d", f.Line)
		if f.Column > 0 {
			loc += fmt.Sprintf(":%d", f.Column)
		}
	}
	return fmt.Sprintf("%s: %s: %s [%s]", loc, f.Severity, f.Message, f.Rule)
}

// Sort orders findings by file, line, column, then rule and message.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}

// Failed reports whether the findings make lint fail: any error, or with
// werror any warning.
func Failed(fs []Finding, werror bool) bool {
	for _, f := range fs {
		if f.Severity == Error || (werror && f.Severity == Warning) {
			return true
		}
	}
	return false
}

// Count returns the number of findings of each severity.
func Count(fs []Finding) map[Severity]int {
	out := map[Severity]int{}
	for _, f := range fs {
		out[f.Severity]++
	}
	return out
}

// WriteText prints one finding per line.
func WriteText(w io.Writer, fs []Finding) error {
	for _, f := range fs {
		if _, err := fmt.Fprintln(w, f.String()); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON prints the findings as a JSON array (an empty array when
// there are none).
func WriteJSON(w io.Writer, fs []Finding) error {
	if fs == nil {
		fs = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(fs)
}

// WriteSARIF prints the findings as a SARIF 2.1.0 log with the rule
// catalogue as the tool's rules.
func WriteSARIF(w io.Writer, fs []Finding, version string) error {
	type msg struct {
		Text string `json:"text"`
	}
	type region struct {
		StartLine   int `json:"startLine,omitempty"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	type artifact struct {
		URI string `json:"uri"`
	}
	type physLoc struct {
		ArtifactLocation artifact `json:"artifactLocation"`
		Region           *region  `json:"region,omitempty"`
	}
	type logicalLoc struct {
		FullyQualifiedName string `json:"fullyQualifiedName"`
	}
	type location struct {
		PhysicalLocation physLoc      `json:"physicalLocation"`
		LogicalLocations []logicalLoc `json:"logicalLocations,omitempty"`
	}
	type result struct {
		RuleID    string     `json:"ruleId"`
		RuleIndex int        `json:"ruleIndex"`
		Level     string     `json:"level"`
		Message   msg        `json:"message"`
		Locations []location `json:"locations"`
	}
	type config struct {
		Level string `json:"level"`
	}
	type rule struct {
		ID                   string `json:"id"`
		ShortDescription     msg    `json:"shortDescription"`
		DefaultConfiguration config `json:"defaultConfiguration"`
	}
	type driver struct {
		Name           string `json:"name"`
		Version        string `json:"version,omitempty"`
		InformationURI string `json:"informationUri,omitempty"`
		Rules          []rule `json:"rules"`
	}
	type tool struct {
		Driver driver `json:"driver"`
	}
	type run struct {
		Tool    tool     `json:"tool"`
		Results []result `json:"results"`
	}
	type log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []run  `json:"runs"`
	}
	level := func(s Severity) string {
		switch s {
		case Error:
			return "error"
		case Warning:
			return "warning"
		}
		return "note"
	}
	rules := Rules()
	index := map[string]int{}
	var rs []rule
	for i, r := range rules {
		index[r.ID] = i
		rs = append(rs, rule{ID: r.ID, ShortDescription: msg{r.Rationale}, DefaultConfiguration: config{level(r.Severity)}})
	}
	results := []result{}
	for _, f := range fs {
		i, ok := index[f.Rule]
		if !ok {
			i = len(rs)
			index[f.Rule] = i
			rs = append(rs, rule{ID: f.Rule, ShortDescription: msg{f.Rule}, DefaultConfiguration: config{level(f.Severity)}})
		}
		loc := location{PhysicalLocation: physLoc{ArtifactLocation: artifact{URI: f.File}}}
		if f.Line > 0 {
			loc.PhysicalLocation.Region = &region{StartLine: f.Line, StartColumn: f.Column}
		}
		if f.Path != "" {
			loc.LogicalLocations = []logicalLoc{{FullyQualifiedName: f.Path}}
		}
		results = append(results, result{RuleID: f.Rule, RuleIndex: i, Level: level(f.Severity), Message: msg{f.Message}, Locations: []location{loc}})
	}
	out := log{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []run{{Tool: tool{Driver: driver{Name: "dmforge lint", Version: version, Rules: rs}}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
