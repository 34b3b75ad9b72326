package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// level is the severity a CI annotation gives a change of a class:
// breaking changes are errors, the rest notes.
func level(c Class) (sarif, github string) {
	if c == Breaking {
		return "error", "error"
	}
	return "note", "notice"
}

// annotationMessage is the one-line text of a change for an annotation.
func annotationMessage(c Change) string {
	msg := c.Path + ": " + c.Message
	if c.Old != "" || c.New != "" {
		msg += " (" + dashed(c.Old) + " → " + dashed(c.New) + ")"
	}
	return strings.Join(strings.Fields(msg), " ")
}

func dashed(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteGitHub writes one GitHub Actions workflow command per change,
// "::error file=F,line=L,title=RULE::MESSAGE" for breaking changes and
// "::notice ..." for the others, at the line of the changed item in the
// newer model's file (Locate), so that a workflow running
// `dmforge diff --format github` annotates the vendor file in a pull
// request.
func WriteGitHub(w io.Writer, r *Report) error {
	var b strings.Builder
	for _, c := range r.Changes {
		_, lvl := level(c.Class)
		var props []string
		if r.NewModel != nil {
			loc := Locate(r.NewModel, c, r.Files)
			if loc.File != "" {
				props = append(props, "file="+ghProperty(loc.File))
				if loc.Line > 0 {
					props = append(props, fmt.Sprintf("line=%d", loc.Line))
				}
			}
		}
		props = append(props, "title="+ghProperty(c.Rule+" ("+string(c.Class)+")"))
		b.WriteString("::" + lvl + " " + strings.Join(props, ",") + "::" + ghData(annotationMessage(c)) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ghData escapes a workflow command's message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// SARIF 2.1.0 (OASIS), the parts dmforge writes.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	ShortDescription     sarifText         `json:"shortDescription"`
	DefaultConfiguration sarifConfig       `json:"defaultConfiguration"`
	Properties           map[string]string `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID     string            `json:"ruleId"`
	RuleIndex  int               `json:"ruleIndex"`
	Level      string            `json:"level"`
	Message    sarifText         `json:"message"`
	Locations  []sarifLocation   `json:"locations"`
	Properties map[string]string `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// WriteSARIF writes the changes as a SARIF 2.1.0 log: the rule catalogue
// as the tool's rules (level error for breaking rules, note otherwise),
// one result per change located at the changed item in the newer model's
// file (Locate) and named by its path as a logical location.
func WriteSARIF(w io.Writer, r *Report) error {
	index := map[string]int{}
	var rs []sarifRule
	for i, ru := range rules {
		index[ru.ID] = i
		lvl, _ := level(ru.Class)
		rs = append(rs, sarifRule{
			ID: ru.ID, ShortDescription: sarifText{ru.Meaning},
			DefaultConfiguration: sarifConfig{lvl},
			Properties:           map[string]string{"class": string(ru.Class), "kind": string(ru.Kind)},
		})
	}
	results := []sarifResult{}
	for _, c := range r.Changes {
		lvl, _ := level(c.Class)
		loc := sarifLocation{LogicalLocations: []sarifLogical{{FullyQualifiedName: c.Path, Kind: logicalKind(c.Kind)}}}
		if r.NewModel != nil {
			if l := Locate(r.NewModel, c, r.Files); l.File != "" {
				loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(l.File)}}
				if l.Line > 0 {
					loc.PhysicalLocation.Region = &sarifRegion{StartLine: l.Line}
				}
			}
		}
		props := map[string]string{"class": string(c.Class), "kind": string(c.Kind)}
		if c.Old != "" {
			props["old"] = c.Old
		}
		if c.New != "" {
			props["new"] = c.New
		}
		results = append(results, sarifResult{
			RuleID: c.Rule, RuleIndex: index[c.Rule], Level: lvl,
			Message: sarifText{annotationMessage(c)}, Locations: []sarifLocation{loc}, Properties: props,
		})
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: sarifDriver{Name: "dmforge diff", Rules: rs}}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

// logicalKind is the SARIF logical location kind of an item.
func logicalKind(k Kind) string {
	switch k {
	case KindObject, KindProfile:
		return "type"
	case KindCommand, KindEvent:
		return "function"
	}
	return "member"
}

// sarifURI writes a file path as a relative URI reference (forward
// slashes, spaces and other reserved characters escaped).
func sarifURI(path string) string {
	path = strings.ReplaceAll(path, `\`, "/")
	return strings.NewReplacer("%", "%25", " ", "%20", "#", "%23", "?", "%3F").Replace(path)
}
