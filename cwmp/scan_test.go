package cwmp

import (
	"errors"
	"strings"
	"testing"
)

func TestScannerRejectsMalformed(t *testing.T) {
	for name, inner := range map[string]string{
		"unquoted attribute":   `<cwmp:Reboot a=1><CommandKey/></cwmp:Reboot>`,
		"lt in attribute":      `<cwmp:Reboot a="<"><CommandKey/></cwmp:Reboot>`,
		"no space before attr": `<cwmp:Reboot a="1"b="2"><CommandKey/></cwmp:Reboot>`,
		"bad name":             `<1Reboot/>`,
		"double colon":         `<a:b:c/>`,
		"bad char ref":         `<cwmp:Reboot><CommandKey>&#xD800;</CommandKey></cwmp:Reboot>`,
		"unterminated ref":     `<cwmp:Reboot><CommandKey>a &amp b</CommandKey></cwmp:Reboot>`,
		"unterminated comment": `<cwmp:Reboot><!-- x </cwmp:Reboot>`,
		"unterminated cdata":   `<cwmp:Reboot><![CDATA[ x </cwmp:Reboot>`,
		"invalid utf8":         "<cwmp:Reboot><CommandKey>\xff</CommandKey></cwmp:Reboot>",
		"stray end tag":        `</cwmp:Reboot>`,
	} {
		_, err := Decode([]byte(envOpen + inner + envClose))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s: err = %v, want a SyntaxError", name, err)
		}
	}
}

func TestScannerText(t *testing.T) {
	doc := envOpen + "<cwmp:Reboot><CommandKey>a&#65;&#x42;&lt;&amp;<![CDATA[<&>]]><?pi x?>\r\nz&#xD;</CommandKey></cwmp:Reboot>" + envClose
	env, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := env.Body.(*Reboot).CommandKey, "aAB<&<&>\nz\r"; got != want {
		t.Errorf("CommandKey = %q, want %q", got, want)
	}
	// Attribute values are normalised: references expanded, whitespace
	// made spaces (then trimmed by the xsi:type reader).
	doc = envOpen + `<cwmp:GetParameterValuesResponse xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><ParameterList><ParameterValueStruct><Name>A</Name><Value xsi:type="&#x9;xsd:int&#10;">1</Value></ParameterValueStruct></ParameterList></cwmp:GetParameterValuesResponse>` + envClose
	env, err = Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := env.Body.(*GetParameterValuesResponse).ParameterList[0].Type; got != "xsd:int" {
		t.Errorf("Type = %q", got)
	}
}

func TestScannerLineNumbers(t *testing.T) {
	doc := envOpen + "\n\n\n<cwmp:AddObjectResponse>\n<InstanceNumber>x</InstanceNumber></cwmp:AddObjectResponse>" + envClose
	_, err := Decode([]byte(doc))
	if err == nil || !strings.Contains(err.Error(), "line 5") || !strings.Contains(err.Error(), "InstanceNumber") {
		t.Errorf("err = %v", err)
	}
}
