package conformance

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"os"
	"strings"
)

// JUnit XML, in the shape CI systems read (Jenkins, GitLab, the Ant
// JUnit task): one testsuite per plan, one testcase per case; a failure
// holds expected, observed and the evidence; skipped and not-applicable
// cases are <skipped/> with the reason.

// The aggregate <testsuites> carries no attributes: the Ant schema (the
// strictest reader) allows none; readers sum the suites.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	ID         int             `xml:"id,attr"`
	Package    string          `xml:"package,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out"`
	SystemErr  string          `xml:"system-err"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

func seconds(f float64) string { return fmt.Sprintf("%.3f", f) }

// WriteJUnit writes the report as JUnit XML.
func (rep *Report) WriteJUnit(w io.Writer) error {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	total := rep.Finished.Sub(rep.Started).Seconds()
	if rep.Finished.IsZero() {
		total = 0
	}
	suite := junitSuite{Name: rep.Plan + " " + rep.PlanVersion, Tests: len(rep.Results), Failures: rep.Counts.Fail,
		Skipped: rep.Counts.Skipped + rep.Counts.NotApplicable, Time: seconds(total),
		Timestamp: rep.Started.UTC().Format("2006-01-02T15:04:05"), Hostname: host, Package: "dmforge.conformance",
		Properties: []junitProperty{{"device", rep.Device.ID}, {"model", rep.Device.Model}, {"run", rep.Run}, {"state", rep.State},
			{"methods", strings.Join(rep.Methods, " ")}, {"profiles", strings.Join(rep.Profiles, " ")}}}
	if rep.State == Errored || rep.State == Cancelled {
		suite.Errors = 1
		suite.SystemErr = "run " + rep.State + ": " + rep.Error
	}
	for _, res := range rep.Results {
		jc := junitCase{Name: res.Case, Classname: rep.Plan + "." + res.Area, Time: seconds(res.Seconds)}
		switch res.Status {
		case Fail:
			var b strings.Builder
			fmt.Fprintf(&b, "purpose: %s\nreferences: %s\ncondition: %s\nexpected: %s\nobserved: %s\n", res.Purpose, strings.Join(res.Refs, "; "), res.Condition, res.Expected, res.Observed)
			for _, ex := range res.Evidence {
				fmt.Fprintf(&b, "\n--- %s %s %s ---\n%s\n", ex.Time.UTC().Format("15:04:05.000"), ex.Direction, ex.Method, ex.SOAP)
			}
			jc.Failure = &junitFailure{Message: "expected " + res.Expected + "; observed " + res.Observed, Type: "conformance", Text: b.String()}
		case Skipped:
			jc.Skipped = &junitSkipped{Message: "skipped: " + res.Reason}
		case NotApplicable:
			jc.Skipped = &junitSkipped{Message: "not applicable: " + res.Reason}
		}
		suite.Cases = append(suite.Cases, jc)
	}
	doc := junitSuites{Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// JUnit returns the report as JUnit XML.
func (rep *Report) JUnit() []byte {
	var b bytes.Buffer
	_ = rep.WriteJUnit(&b)
	return b.Bytes()
}

// htmlPage is the self-contained HTML report: inline style, no script,
// nothing fetched.
var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"join": strings.Join,
	"time": func(r *Report) string { return r.Started.UTC().Format("2006-01-02 15:04:05 UTC") },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Conformance {{.Plan}} {{.PlanVersion}} — {{.Device.ID}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.pass{background:#e6f4e6}.fail{background:#fbe3e3}.skipped{background:#f6f1de}.notApplicable{background:#eee}
.st{font-weight:bold;white-space:nowrap}
pre{white-space:pre-wrap;word-break:break-all;font-size:12px;background:#fafafa;border:1px solid #ddd;padding:4px;margin:2px 0}
details summary{cursor:pointer}
.counts span{margin-right:1.5em}
</style>
</head>
<body>
<h1>Conformance report: {{.Plan}} {{.PlanVersion}}</h1>
<p>Device <b>{{.Device.ID}}</b> ({{.Device.Model}}, root {{.Device.Root}}) — run {{.Run}}, started {{time .}}, state <b>{{.State}}</b>{{if .Error}}: {{.Error}}{{end}}.</p>
<p class="counts"><span>cases: {{.Total}}</span><span>done: {{.Done}}</span><span class="pass">pass: {{.Counts.Pass}}</span><span class="fail">fail: {{.Counts.Fail}}</span><span class="skipped">skipped: {{.Counts.Skipped}}</span><span class="notApplicable">not applicable: {{.Counts.NotApplicable}}</span></p>
{{if .Methods}}<p>RPC methods (GetRPCMethods): {{join .Methods ", "}}</p>{{end}}
{{if .Profiles}}<p>Profiles declared or selected: {{join .Profiles ", "}}</p>{{end}}
<table>
<thead><tr><th>Case</th><th>Status</th><th>Purpose and references</th><th>Condition</th><th>Expected / observed / reason</th></tr></thead>
<tbody>
{{range .Results}}<tr class="{{.Status}}" id="{{.Case}}">
<td>{{.Case}}</td><td class="st">{{.Status}}</td>
<td>{{.Purpose}}<br><small>{{join .Refs "; "}}</small></td>
<td>{{.Condition}}</td>
<td>{{if .Expected}}<b>expected:</b> {{.Expected}}<br><b>observed:</b> {{.Observed}}{{end}}{{if .Reason}}{{.Reason}}{{end}}
{{if .Evidence}}<details><summary>RPC exchange ({{len .Evidence}} messages)</summary>
{{range .Evidence}}<div>{{.Time.UTC.Format "15:04:05.000"}} {{.Direction}} {{.Method}}</div><pre>{{.SOAP}}</pre>{{end}}
</details>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
</body>
</html>
`))

// WriteHTML writes the report as a self-contained HTML page.
func (rep *Report) WriteHTML(w io.Writer) error { return htmlPage.Execute(w, rep) }
