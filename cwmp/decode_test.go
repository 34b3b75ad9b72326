package cwmp

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const envOpen = `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><SOAP-ENV:Body>`
const envClose = `</SOAP-ENV:Body></SOAP-ENV:Envelope>`

func TestDecodeRejectsUnsafe(t *testing.T) {
	deep := envOpen + "<cwmp:Reboot>" + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + "</cwmp:Reboot>" + envClose
	cases := []struct {
		name string
		doc  string
		dec  Decoder
		want error
	}{
		{"doctype", `<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example/x.dtd">` + envOpen + `<cwmp:Reboot/>` + envClose, Decoder{}, ErrDTD},
		{"entity", `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + envOpen + `<cwmp:Reboot><CommandKey>&e;</CommandKey></cwmp:Reboot>` + envClose, Decoder{}, ErrDTD},
		{"too large", envOpen + `<cwmp:Reboot><CommandKey>` + strings.Repeat("x", 2000) + `</CommandKey></cwmp:Reboot>` + envClose, Decoder{MaxSize: 1024}, ErrTooLarge},
		{"too deep", deep, Decoder{}, ErrTooDeep},
		{"too deep, custom limit", envOpen + `<cwmp:Reboot><CommandKey>x</CommandKey></cwmp:Reboot>` + envClose, Decoder{MaxDepth: 3}, ErrTooDeep},
		{"too many elements", envOpen + `<cwmp:Reboot>` + strings.Repeat("<a/>", 50) + `</cwmp:Reboot>` + envClose, Decoder{MaxElements: 20}, ErrTooManyElements},
		{"not an envelope", `<html><body>502 Bad Gateway</body></html>`, Decoder{}, ErrNotEnvelope},
		{"no body", `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/></SOAP-ENV:Envelope>`, Decoder{}, ErrNotEnvelope},
		{"empty body", envOpen + envClose, Decoder{}, ErrNotEnvelope},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, err := c.dec.Decode([]byte(c.doc))
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if env != nil {
				t.Errorf("envelope returned with a fatal error: %+v", env)
			}
		})
	}
}

func TestDecodeSyntaxErrorsHaveLines(t *testing.T) {
	cases := map[string]string{
		"mismatched": envOpen + "\n<cwmp:Reboot>\n<CommandKey>x</Commandkey>\n</cwmp:Reboot>" + envClose,
		"truncated":  envOpen + "\n<cwmp:Reboot>\n<CommandKey>x",
		"bad entity": envOpen + "\n\n<cwmp:Reboot><CommandKey>&nope;</CommandKey></cwmp:Reboot>" + envClose,
		"bad char":   envOpen + "\n<cwmp:Reboot><CommandKey>\x01</CommandKey></cwmp:Reboot>" + envClose,
	}
	for name, doc := range cases {
		_, err := Decode([]byte(doc))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s: err = %v, want a SyntaxError", name, err)
			continue
		}
		if se.Line < 2 {
			t.Errorf("%s: line %d, want the line of the fault", name, se.Line)
		}
	}
}

func TestDecodeFieldErrors(t *testing.T) {
	_, err := Decode([]byte(envOpen + "\n<cwmp:AddObjectResponse><InstanceNumber>many</InstanceNumber></cwmp:AddObjectResponse>" + envClose))
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "InstanceNumber") {
		t.Errorf("err = %v, want the line and field", err)
	}
	_, err = Decode([]byte(envOpen + "<cwmp:GetParameterNames><NextLevel>maybe</NextLevel></cwmp:GetParameterNames>" + envClose))
	if err == nil || !strings.Contains(err.Error(), "NextLevel") {
		t.Errorf("err = %v", err)
	}
}

func TestDecodeUnknownMethod(t *testing.T) {
	env, err := Decode([]byte(envOpen + `<cwmp:X_ACME_Frobnicate><Level>3</Level></cwmp:X_ACME_Frobnicate>` + envClose))
	if err != nil {
		t.Fatal(err)
	}
	um, ok := env.Body.(*UnknownMethod)
	if !ok || um.Name != "X_ACME_Frobnicate" || um.Namespace != string(Namespace10) {
		t.Fatalf("body = %#v", env.Body)
	}
	if _, err := Marshal(&Envelope{Body: um}); err == nil {
		t.Error("an UnknownMethod encoded")
	}
}

func TestDecodeBareCWMPFault(t *testing.T) {
	env, err := Decode([]byte(envOpen + `<cwmp:Fault><FaultCode>8005</FaultCode><FaultString>Retry request</FaultString></cwmp:Fault>` + envClose))
	if err != nil {
		t.Fatal(err)
	}
	f, ok := env.Body.(*Fault)
	if !ok || f.Code != FaultACSRetryRequest || f.SOAPCode != SOAPFaultServer {
		t.Fatalf("body = %#v", env.Body)
	}
}

func TestDecodeOptionalHeaderMustUnderstandZero(t *testing.T) {
	doc := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:v="urn:v"><s:Header><v:A s:mustUnderstand="0">1</v:A><v:B>2</v:B></s:Header><s:Body><GetRPCMethods/></s:Body></s:Envelope>`
	env, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := env.Body.(*GetRPCMethods); !ok {
		t.Fatalf("body = %#v", env.Body)
	}
}

func TestIsCWMPNamespace(t *testing.T) {
	for s, want := range map[string]bool{
		"urn:dslforum-org:cwmp-1-0": true, "urn:dslforum-org:cwmp-1-4": true, "urn:dslforum-org:cwmp-2-10": true,
		"urn:dslforum-org:cwmp-1": false, "urn:dslforum-org:cwmp-a-b": false, "http://schemas.xmlsoap.org/soap/envelope/": false,
	} {
		if got := IsCWMPNamespace(s); got != want {
			t.Errorf("IsCWMPNamespace(%q) = %v", s, got)
		}
	}
	for _, ns := range allNamespaces {
		if !ns.Supported() {
			t.Errorf("%s not supported", ns)
		}
	}
	if Namespace("urn:dslforum-org:cwmp-1-5").Supported() {
		t.Error("cwmp-1-5 claims support")
	}
}

// Text split in many pieces (here by comments) is joined, in linear time.
func TestDecodeTextInPieces(t *testing.T) {
	const pieces = 20000
	doc := envOpen + "<cwmp:Reboot><CommandKey>" + strings.Repeat("a<!---->", pieces) + "</CommandKey></cwmp:Reboot>" + envClose
	env, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := env.Body.(*Reboot).CommandKey; got != strings.Repeat("a", pieces) {
		t.Errorf("CommandKey has %d bytes, want %d", len(got), pieces)
	}
}

func TestDecodeTooManyNamespaceDeclarations(t *testing.T) {
	var decls strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&decls, ` xmlns:p%d="urn:x:%d"`, i, i)
	}
	doc := `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"` + decls.String() + `><SOAP-ENV:Body><Reboot/></SOAP-ENV:Body></SOAP-ENV:Envelope>`
	if _, err := Decode([]byte(doc)); !errors.Is(err, ErrTooManyElements) {
		t.Errorf("err = %v", err)
	}
}
