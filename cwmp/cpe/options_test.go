package cpe_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
)

// ---- a test PKI, made once: a CA, signers it issued, and strangers ----

type vSigner struct {
	key  crypto.Signer
	cert *x509.Certificate
	// keyInfo are the certificates the voucher carries in KeyInfo/X509Data
	// (nil: no KeyInfo).
	keyInfo []*x509.Certificate
}

type vPKI struct {
	ca        *x509.Certificate
	rsa, ec   vSigner // issued by ca
	shortLife vSigner // issued by ca, expired at the test clock
	stranger  vSigner // issued by another CA
	selfSign  vSigner // self-signed
}

var (
	pkiOnce sync.Once
	pki     vPKI
	pkiErr  error
)

// testNow is the clock of the voucher tests (vouchers start 2030-01-01).
var testNow = time.Date(2030, 2, 1, 12, 0, 0, 0, time.UTC)

func testPKI(t testing.TB) vPKI {
	t.Helper()
	pkiOnce.Do(func() { pki, pkiErr = makePKI() })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pki
}

func makePKI() (vPKI, error) {
	var p vPKI
	serial := int64(1)
	issue := func(cn string, key crypto.Signer, parent *x509.Certificate, parentKey crypto.Signer, ca bool, notAfter time.Time) (*x509.Certificate, error) {
		serial++
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{Organization: []string{"dmforge test"}, CommonName: cn},
			NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
			NotAfter:     notAfter,
			KeyUsage:     x509.KeyUsageDigitalSignature,
		}
		if ca {
			tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
			tmpl.KeyUsage |= x509.KeyUsageCertSign
		}
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
		if err != nil {
			return nil, err
		}
		return x509.ParseCertificate(der)
	}
	ecKey := func() crypto.Signer {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	}
	far := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	caKey := ecKey()
	ca, err := issue("test voucher CA", caKey, nil, nil, true, far)
	if err != nil {
		return p, err
	}
	p.ca = ca
	leaf := func(cn string, key crypto.Signer, parent *x509.Certificate, parentKey crypto.Signer, notAfter time.Time) (vSigner, error) {
		c, err := issue(cn, key, parent, parentKey, false, notAfter)
		return vSigner{key: key, cert: c, keyInfo: []*x509.Certificate{c}}, err
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return p, err
	}
	if p.rsa, err = leaf("RSA signer", rsaKey, ca, caKey, far); err != nil {
		return p, err
	}
	if p.ec, err = leaf("ECDSA signer", ecKey(), ca, caKey, far); err != nil {
		return p, err
	}
	if p.shortLife, err = leaf("expired signer", ecKey(), ca, caKey, time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		return p, err
	}
	otherKey := ecKey()
	other, err := issue("another CA", otherKey, nil, nil, true, far)
	if err != nil {
		return p, err
	}
	if p.stranger, err = leaf("stranger", ecKey(), other, otherKey, far); err != nil {
		return p, err
	}
	selfKey := ecKey()
	self, err := issue("self-signed", selfKey, nil, nil, false, far)
	if err != nil {
		return p, err
	}
	p.selfSign = vSigner{key: selfKey, cert: self, keyInfo: []*x509.Certificate{self}}
	return p, nil
}

// ---- vouchers, built and signed in the Annex C form ----

// opt is one Option of a voucher; empty fields take the test device's
// values, "-" leaves an element out.
type opt struct {
	Serial                                        string
	Manufacturer, OUI, ProductClass, SerialNumber string
	Ident, Desc, Start, Duration, Units, Mode     string
	Transferable                                  string
	Extra                                         string // more XML inside Option
}

func (o opt) withDefaults() opt {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&o.Serial, "1")
	def(&o.Manufacturer, "dmforge")
	def(&o.OUI, "00D09E")
	def(&o.ProductClass, "SimBox")
	def(&o.SerialNumber, "SN0001")
	def(&o.Ident, "VoIP")
	def(&o.Desc, "Voice service")
	def(&o.Start, "2030-01-01T00:00:00Z")
	def(&o.Duration, "90")
	def(&o.Units, "Days")
	def(&o.Mode, "EnableWithExpiration")
	def(&o.Transferable, "false")
	return o
}

// how a voucher is built
type build struct {
	signer vSigner
	c14n   dsig.AlgorithmID // SignedInfo and References; C14N 1.0 if empty
	sigAlg string           // SignatureMethod; the key's with SHA-256 if empty
	mut    func(root *etree.Element)
}

func voucher(t testing.TB, s vSigner, opts ...opt) []byte {
	t.Helper()
	return build{signer: s}.voucher(t, opts...)
}

func (b build) voucher(t testing.TB, opts ...opt) []byte {
	t.Helper()
	c14n := b.c14n
	if c14n == "" {
		c14n = dsig.CanonicalXML10RecAlgorithmId
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	root := doc.CreateElement("Signature")
	root.CreateAttr("xmlns", dsig.Namespace)
	si := root.CreateElement("SignedInfo")
	si.CreateElement("CanonicalizationMethod").CreateAttr("Algorithm", string(c14n))
	sigAlg := b.sigAlg
	if sigAlg == "" {
		sigAlg = dsig.RSASHA256SignatureMethod
		if _, ok := b.signer.key.Public().(*ecdsa.PublicKey); ok {
			sigAlg = dsig.ECDSASHA256SignatureMethod
		}
	}
	si.CreateElement("SignatureMethod").CreateAttr("Algorithm", sigAlg)
	sv := root.CreateElement("SignatureValue")
	if b.signer.keyInfo != nil {
		x := root.CreateElement("KeyInfo").CreateElement("X509Data")
		for _, c := range b.signer.keyInfo {
			x.CreateElement("X509Certificate").SetText(base64.StdEncoding.EncodeToString(c.Raw))
		}
	}
	for i, o := range opts {
		o = o.withDefaults()
		obj := root.CreateElement("dsig:Object")
		obj.CreateAttr("Id", fmt.Sprintf("option%d", i))
		obj.CreateAttr("xmlns", "")
		obj.CreateAttr("xmlns:dsig", dsig.Namespace)
		op := obj.CreateElement("Option")
		field := func(el *etree.Element, tag, v string) {
			if v != "-" {
				el.CreateElement(tag).SetText(v)
			}
		}
		field(op, "VSerialNum", o.Serial)
		if o.SerialNumber != "-" {
			dev := op.CreateElement("DeviceId")
			field(dev, "Manufacturer", o.Manufacturer)
			field(dev, "OUI", o.OUI)
			field(dev, "ProductClass", o.ProductClass)
			field(dev, "SerialNumber", o.SerialNumber)
		}
		field(op, "OptionIdent", o.Ident)
		field(op, "OptionDesc", o.Desc)
		field(op, "StartDate", o.Start)
		field(op, "Duration", o.Duration)
		field(op, "DurationUnits", o.Units)
		field(op, "Mode", o.Mode)
		field(op, "Transferable", o.Transferable)
		if o.Extra != "" {
			extra := etree.NewDocument()
			if err := extra.ReadFromString("<x>" + o.Extra + "</x>"); err != nil {
				t.Fatal(err)
			}
			for _, c := range extra.Root().ChildElements() {
				op.AddChild(c.Copy())
			}
		}
	}
	if b.mut != nil {
		b.mut(root)
	}
	for _, obj := range root.ChildElements() {
		if obj.Tag != "Object" {
			continue
		}
		ref := si.CreateElement("Reference")
		ref.CreateAttr("URI", "#"+obj.SelectAttrValue("Id", ""))
		if c14n != dsig.CanonicalXML10RecAlgorithmId {
			ref.CreateElement("Transforms").CreateElement("Transform").CreateAttr("Algorithm", string(c14n))
		}
		ref.CreateElement("DigestMethod").CreateAttr("Algorithm", "http://www.w3.org/2001/04/xmlenc#sha256")
		sum := sha256.Sum256(canon(t, obj, c14n))
		ref.CreateElement("DigestValue").SetText(base64.StdEncoding.EncodeToString(sum[:]))
	}
	ctx, err := dsig.NewSigningContext(b.signer.key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ctx.SetSignatureMethod(sigAlg); err != nil {
		t.Fatal(err)
	}
	sig, err := ctx.SignString(string(canon(t, si, c14n)))
	if err != nil {
		t.Fatal(err)
	}
	sv.SetText(base64.StdEncoding.EncodeToString(sig))
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// canon canonicalizes el where it stands (the signer's side).
func canon(t testing.TB, el *etree.Element, alg dsig.AlgorithmID) []byte {
	t.Helper()
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		t.Fatal(err)
	}
	detached, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		t.Fatal(err)
	}
	var c dsig.Canonicalizer
	switch alg {
	case dsig.CanonicalXML10ExclusiveAlgorithmId:
		c = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	case dsig.CanonicalXML11AlgorithmId:
		c = dsig.MakeC14N11Canonicalizer()
	default:
		c = dsig.MakeC14N10RecCanonicalizer()
	}
	b, err := c.Canonicalize(detached)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ---- the handler under test ----

func newOptions(t testing.TB) (*cpe.VoucherOptions, *time.Time) {
	p := testPKI(t)
	now := testNow
	return &cpe.VoucherOptions{
		Trusted:      []*x509.Certificate{p.ca},
		Manufacturer: "dmforge", OUI: "00D09E", ProductClass: "SimBox", SerialNumber: "SN0001",
		Now: func() time.Time { return now },
	}, &now
}

func wantFault(t *testing.T, err error, code cwmp.FaultCode, substr string) {
	t.Helper()
	var f *cwmp.Fault
	if !errors.As(err, &f) {
		t.Fatalf("got %v, want fault %d", err, code)
	}
	if f.Code != code || !strings.Contains(f.String, substr) {
		t.Fatalf("fault %d %q, want %d with %q", f.Code, f.String, code, substr)
	}
	if len(f.String) > 256 {
		t.Fatalf("fault string of %d bytes", len(f.String))
	}
}

func options(t *testing.T, v *cpe.VoucherOptions, name string) []cwmp.OptionStruct {
	t.Helper()
	list, err := v.GetOptions(name)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestVoucherEnablesOption(t *testing.T) {
	p := testPKI(t)
	for _, tc := range []struct {
		name string
		b    build
	}{
		{"rsa", build{signer: p.rsa}},
		{"ecdsa", build{signer: p.ec}},
		{"signer and CA in KeyInfo", build{signer: vSigner{key: p.ec.key, cert: p.ec.cert, keyInfo: []*x509.Certificate{p.ca, p.ec.cert}}}},
		{"exclusive c14n", build{signer: p.ec, c14n: dsig.CanonicalXML10ExclusiveAlgorithmId}},
		{"c14n 1.1", build{signer: p.rsa, c14n: dsig.CanonicalXML11AlgorithmId}},
		{"rsa-sha512", build{signer: p.rsa, sigAlg: dsig.RSASHA512SignatureMethod}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := newOptions(t)
			err := v.SetVouchers([][]byte{tc.b.voucher(t, opt{Serial: "7", Transferable: "1", Extra: "<Description>ignored</Description>"})})
			if err != nil {
				t.Fatal(err)
			}
			got := options(t, v, "VoIP")
			start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			want := cwmp.OptionStruct{
				OptionName: "VoIP", VoucherSN: 7, State: cpe.OptionStateEnabled | cpe.OptionStateSetup,
				Mode: cpe.OptionModeEnableWithExpiration, StartDate: start, ExpirationDate: start.AddDate(0, 0, 90), IsTransferable: true,
			}
			if len(got) != 1 || !sameOption(got[0], want) {
				t.Fatalf("GetOptions = %+v, want %+v", got, want)
			}
		})
	}
}

func sameOption(a, b cwmp.OptionStruct) bool {
	return a.OptionName == b.OptionName && a.VoucherSN == b.VoucherSN && a.State == b.State && a.Mode == b.Mode &&
		a.StartDate.Equal(b.StartDate) && a.ExpirationDate.Equal(b.ExpirationDate) && a.IsTransferable == b.IsTransferable
}

// The fixtures were signed by xmlsec1: they check the canonicalization and
// the signature formats against another implementation.
func TestVoucherSignedByXmlsec(t *testing.T) {
	pemBytes, err := os.ReadFile("testdata/vouchers/ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		t.Fatal("ca.pem: no PEM block")
	}
	ca, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, file := range []string{"xmlsec-rsa.xml", "xmlsec-ecdsa.xml"} {
		t.Run(file, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/vouchers/" + file)
			if err != nil {
				t.Fatal(err)
			}
			v := &cpe.VoucherOptions{
				Trusted:      []*x509.Certificate{ca},
				Manufacturer: "dmforge", OUI: "00d09e", ProductClass: "SimBox", SerialNumber: "SN0001",
				Now: func() time.Time { return testNow },
			}
			// Tampered first: one day more.
			wantFault(t, v.SetVouchers([][]byte{bytes.Replace(raw, []byte("<Duration>90<"), []byte("<Duration>91<"), 1)}), cwmp.FaultRequestDenied, "digest")
			if err := v.SetVouchers([][]byte{raw}); err != nil {
				t.Fatal(err)
			}
			got := options(t, v, "")
			want := []cwmp.OptionStruct{
				{OptionName: "IPTV", VoucherSN: 1002, State: 3, Mode: 2, StartDate: start, IsTransferable: true},
				{OptionName: "VoIP", VoucherSN: 1001, State: 3, Mode: 1, StartDate: start, ExpirationDate: start.AddDate(0, 0, 90)},
			}
			if len(got) != 2 || !sameOption(got[0], want[0]) || !sameOption(got[1], want[1]) {
				t.Fatalf("GetOptions = %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestVoucherRefused(t *testing.T) {
	p := testPKI(t)
	good := voucher(t, p.rsa, opt{})
	tamper := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("%q not in the voucher", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	sigValue := func(b []byte) string {
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(b); err != nil {
			t.Fatal(err)
		}
		return doc.Root().SelectElement("SignatureValue").Text()
	}
	sv := sigValue(good)
	flipped := []byte(sv)
	if flipped[10] == 'A' {
		flipped[10] = 'B'
	} else {
		flipped[10] = 'A'
	}
	noKeyInfo := p.stranger
	noKeyInfo.keyInfo = nil
	for _, tc := range []struct {
		name   string
		raw    []byte
		code   cwmp.FaultCode
		substr string
	}{
		{"tampered content", tamper("<OptionIdent>VoIP<", "<OptionIdent>VoIQ<"), 9001, "digest does not match"},
		{"tampered duration", tamper("<Duration>90<", "<Duration>900<"), 9001, "digest does not match"},
		{"tampered signature", tamper(sv, string(flipped)), 9001, "signature does not verify"},
		{"tampered SignedInfo", tamper("<DigestValue>", "<DigestValue>AAAA"), 9001, "signature does not verify"},
		{"untrusted signer", voucher(t, p.stranger, opt{}), 9001, "not trusted"},
		{"self-signed signer", voucher(t, p.selfSign, opt{}), 9001, "not trusted"},
		{"no KeyInfo, untrusted key", voucher(t, noKeyInfo, opt{}), 9001, "signature does not verify"},
		{"expired signer certificate", voucher(t, p.shortLife, opt{}), 9001, "not trusted"},
		{"another device's serial", voucher(t, p.rsa, opt{SerialNumber: "SN0002"}), 9001, "SerialNumber"},
		{"another OUI", voucher(t, p.rsa, opt{OUI: "001122"}), 9001, "OUI"},
		{"another manufacturer", voucher(t, p.rsa, opt{Manufacturer: "acme"}), 9001, "Manufacturer"},
		{"another product class", voucher(t, p.rsa, opt{ProductClass: "Other"}), 9001, "ProductClass"},
		{"option already expired", voucher(t, p.rsa, opt{Start: "2029-01-01T00:00:00Z", Duration: "10"}), 9001, "expired"},
		{"unsigned Object", tamper("</Signature>", `<dsig:Object xmlns="" xmlns:dsig="http://www.w3.org/2000/09/xmldsig#" Id="extra"><Option/></dsig:Object></Signature>`), 9001, "not signed"},
		{"Id used twice", build{signer: p.rsa, mut: func(root *etree.Element) {
			root.SelectElement("KeyInfo").CreateElement("KeyName").CreateAttr("Id", "option0")
		}}.voucher(t, opt{}), 9003, "more than one element"},
		{"malformed XML", []byte("<Signature xmlns='http://www.w3.org/2000/09/xmldsig#'><SignedInfo>"), 9003, "not XML"},
		{"empty", nil, 9003, "not XML"},
		{"not a voucher", []byte(`<Voucher><Option/></Voucher>`), 9003, "not a voucher"},
		{"Signature in no namespace", bytes.Replace(good, []byte(` xmlns="http://www.w3.org/2000/09/xmldsig#"`), nil, 1), 9003, "not a voucher"},
		{"DOCTYPE", append([]byte(`<!DOCTYPE Signature [<!ENTITY x "y">]>`), good[bytes.Index(good, []byte("<Signature")):]...), 9003, "DOCTYPE"},
		{"duplicate attribute", tamper(`Id="option0"`, `Id="option0" Id="option9"`), 9003, "two attributes"},
		{"SHA-1", build{signer: p.rsa, sigAlg: dsig.RSASHA1SignatureMethod}.voucher(t, opt{}), 9003, "SHA-1"},
		{"bad VSerialNum", voucher(t, p.rsa, opt{Serial: "-4"}), 9003, "VSerialNum"},
		{"bad Mode", voucher(t, p.rsa, opt{Mode: "Enable"}), 9003, "Mode"},
		{"no DeviceId", voucher(t, p.rsa, opt{SerialNumber: "-"}), 9003, "DeviceId"},
		{"no OptionIdent", voucher(t, p.rsa, opt{Ident: "-"}), 9003, "OptionIdent"},
		{"bad StartDate", voucher(t, p.rsa, opt{Start: "tomorrow"}), 9003, "StartDate"},
		{"bad DurationUnits", voucher(t, p.rsa, opt{Units: "Fortnights"}), 9003, "DurationUnits"},
		{"zero Duration", voucher(t, p.rsa, opt{Duration: "0"}), 9003, "Duration"},
		{"huge Duration", voucher(t, p.rsa, opt{Duration: "4000000", Units: "Days"}), 9003, "too long"},
		{"no Object", build{signer: p.rsa}.voucher(t), 9003, "no Object"},
		{"too large", append(bytes.Repeat([]byte(" "), 70<<10), good...), 9004, "at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := newOptions(t)
			wantFault(t, v.SetVouchers([][]byte{tc.raw}), tc.code, tc.substr)
			if got := options(t, v, ""); len(got) != 0 {
				t.Fatalf("options after a refused voucher: %+v", got)
			}
		})
	}
	t.Run("no trusted signer", func(t *testing.T) {
		v, _ := newOptions(t)
		v.Trusted = nil
		wantFault(t, v.SetVouchers([][]byte{good}), 9001, "trusts no voucher signer")
	})
	t.Run("SHA-1 when allowed", func(t *testing.T) {
		v, _ := newOptions(t)
		v.AllowSHA1 = true
		if err := v.SetVouchers([][]byte{build{signer: p.rsa, sigAlg: dsig.RSASHA1SignatureMethod}.voucher(t, opt{})}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("no ProductClass in the voucher", func(t *testing.T) {
		v, _ := newOptions(t)
		if err := v.SetVouchers([][]byte{voucher(t, p.rsa, opt{ProductClass: "-"})}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("too many vouchers", func(t *testing.T) {
		v, _ := newOptions(t)
		many := make([][]byte, 65)
		for i := range many {
			many[i] = good
		}
		wantFault(t, v.SetVouchers(many), 9004, "at most 64")
		wantFault(t, v.SetVouchers(nil), 9003, "no voucher")
	})
}

func TestVoucherSerialNumbers(t *testing.T) {
	p := testPKI(t)
	v, _ := newOptions(t)
	v10 := voucher(t, p.rsa, opt{Serial: "10"})
	if err := v.SetVouchers([][]byte{v10}); err != nil {
		t.Fatal(err)
	}
	wantFault(t, v.SetVouchers([][]byte{v10}), 9001, "not newer than 10")
	wantFault(t, v.SetVouchers([][]byte{voucher(t, p.rsa, opt{Serial: "9", Duration: "60"})}), 9001, "not newer than 10")
	// Other options keep their own serial numbers.
	if err := v.SetVouchers([][]byte{voucher(t, p.rsa, opt{Serial: "3", Ident: "IPTV"})}); err != nil {
		t.Fatal(err)
	}
	if err := v.SetVouchers([][]byte{voucher(t, p.ec, opt{Serial: "11", Duration: "60"})}); err != nil {
		t.Fatal(err)
	}
	got := options(t, v, "VoIP")
	if len(got) != 1 || got[0].VoucherSN != 11 || !got[0].ExpirationDate.Equal(time.Date(2030, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("after the newer voucher: %+v", got)
	}
}

func TestVoucherBatchIsAtomic(t *testing.T) {
	p := testPKI(t)
	v, _ := newOptions(t)
	good := voucher(t, p.rsa, opt{Serial: "1", Ident: "A"}, opt{Serial: "1", Ident: "B"})
	bad := voucher(t, p.rsa, opt{Serial: "1", Ident: "C", SerialNumber: "SN0002"})
	wantFault(t, v.SetVouchers([][]byte{good, bad}), 9001, "voucher 2:")
	if got := options(t, v, ""); len(got) != 0 {
		t.Fatalf("options after a refused batch: %+v", got)
	}
	// A batch that replays itself is refused whole too.
	wantFault(t, v.SetVouchers([][]byte{good, good}), 9001, "voucher 2:")
	if got := options(t, v, ""); len(got) != 0 {
		t.Fatalf("options after a refused batch: %+v", got)
	}
	// Newer vouchers later in a batch win.
	newer := voucher(t, p.ec, opt{Serial: "2", Ident: "A", Mode: "EnableWithoutExpiration"})
	if err := v.SetVouchers([][]byte{good, newer}); err != nil {
		t.Fatal(err)
	}
	got := options(t, v, "")
	if len(got) != 2 || got[0].OptionName != "A" || got[0].Mode != cpe.OptionModeEnableWithoutExpiration || !got[0].ExpirationDate.IsZero() || got[1].OptionName != "B" {
		t.Fatalf("GetOptions = %+v", got)
	}
}

func TestVoucherExpiryAndDisable(t *testing.T) {
	p := testPKI(t)
	v, now := newOptions(t)
	*now = time.Date(2029, 12, 1, 0, 0, 0, 0, time.UTC)
	if err := v.SetVouchers([][]byte{voucher(t, p.rsa, opt{Serial: "1"})}); err != nil {
		t.Fatal(err)
	}
	state := func() int {
		t.Helper()
		got := options(t, v, "VoIP")
		if len(got) != 1 || got[0].Mode != cpe.OptionModeEnableWithExpiration || got[0].VoucherSN != 1 {
			t.Fatalf("GetOptions = %+v", got)
		}
		return got[0].State
	}
	if s := state(); s != 0 {
		t.Fatalf("before the start date: state %d, want 0", s)
	}
	*now = time.Date(2030, 3, 31, 23, 0, 0, 0, time.UTC)
	if s := state(); s != 3 {
		t.Fatalf("within the duration: state %d, want 3", s)
	}
	*now = time.Date(2030, 4, 1, 0, 0, 0, 0, time.UTC) // 90 days on
	if s := state(); s != cpe.OptionStateSetup {
		t.Fatalf("expired: state %d, want %d (disabled, set up)", s, cpe.OptionStateSetup)
	}

	// Disable mode turns an enabled option off; it stays set up.
	*now = testNow
	if err := v.SetVouchers([][]byte{voucher(t, p.rsa, opt{Serial: "2", Mode: "EnableWithoutExpiration", Duration: "-", Units: "-"})}); err != nil {
		t.Fatal(err)
	}
	if got := options(t, v, "VoIP"); got[0].State != 3 || got[0].Mode != 2 || !got[0].ExpirationDate.IsZero() {
		t.Fatalf("enabled without expiration: %+v", got)
	}
	if err := v.SetVouchers([][]byte{voucher(t, p.rsa, opt{Serial: "3", Mode: "Disable", Duration: "-", Units: "-", Start: "-"})}); err != nil {
		t.Fatal(err)
	}
	got := options(t, v, "VoIP")
	if got[0].State != cpe.OptionStateSetup || got[0].Mode != cpe.OptionModeDisable || !got[0].ExpirationDate.IsZero() || !got[0].StartDate.Equal(testNow) {
		t.Fatalf("disabled: %+v", got)
	}
	// A Disable voucher for an option never enabled: disabled, not set up.
	if err := v.SetVouchers([][]byte{voucher(t, p.rsa, opt{Serial: "1", Ident: "Never", Mode: "Disable"})}); err != nil {
		t.Fatal(err)
	}
	if got := options(t, v, "Never"); got[0].State != 0 {
		t.Fatalf("never enabled: %+v", got)
	}
}

func TestGetOptions(t *testing.T) {
	p := testPKI(t)
	v, _ := newOptions(t)
	if got := options(t, v, ""); got == nil || len(got) != 0 {
		t.Fatalf("no options: %#v, want an empty list", got)
	}
	err := v.SetVouchers([][]byte{voucher(t, p.rsa, opt{Ident: "Zeta"}, opt{Ident: "Alpha", Serial: "5"}, opt{Ident: "Mu", Serial: "9"})})
	if err != nil {
		t.Fatal(err)
	}
	all := options(t, v, "")
	var names []string
	for _, o := range all {
		names = append(names, o.OptionName)
	}
	if !slices.Equal(names, []string{"Alpha", "Mu", "Zeta"}) {
		t.Fatalf("all options: %v", names)
	}
	if one := options(t, v, "Mu"); len(one) != 1 || one[0].VoucherSN != 9 {
		t.Fatalf("one option: %+v", one)
	}
	if none := options(t, v, "Omega"); none == nil || len(none) != 0 {
		t.Fatalf("unknown option: %#v, want an empty list", none)
	}
}

func TestVoucherOptionsConcurrent(t *testing.T) {
	p := testPKI(t)
	v, _ := newOptions(t)
	var wg sync.WaitGroup
	for i := range 8 {
		raw := voucher(t, p.ec, opt{Ident: fmt.Sprintf("opt%d", i)})
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := v.SetVouchers([][]byte{raw}); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := v.GetOptions(""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := options(t, v, ""); len(got) != 8 {
		t.Fatalf("%d options, want 8", len(got))
	}
}

// ---- through a CWMP session with the test ACS ----

type optRig struct {
	t     *testing.T
	acs   *testacs.ACS
	agent *cpe.Agent
}

func newOptRig(t *testing.T, options cpe.OptionsHandler) *optRig {
	t.Helper()
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	t.Cleanup(srv.Close)
	a, err := cpe.New(cpe.Config{
		Schema: tr181.Schema, ACSURL: srv.URL + "/acs",
		Manufacturer: "dmforge", OUI: "00D09E", ProductClass: "SimBox", SerialNumber: "SN0001", SoftwareVersion: "1.0.0",
		Options: options,
		Sleep:   func(ctx context.Context, d time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	return &optRig{t: t, acs: acs, agent: a}
}

// call runs one request in a session and returns the CPE's answer.
func (r *optRig) call(msg cwmp.Message) cwmp.Message {
	r.t.Helper()
	r.acs.Enqueue("SN0001", msg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := r.agent.RunSession(ctx); err != nil {
		r.t.Fatalf("session: %v", err)
	}
	s := r.acs.Last("SN0001")
	if s == nil || !s.Complete || len(s.Exchanges) != 1 {
		r.t.Fatalf("session: %+v", s)
	}
	return s.Exchanges[0].Response
}

func (r *optRig) fault(msg cwmp.Message, code cwmp.FaultCode) *cwmp.Fault {
	r.t.Helper()
	resp := r.call(msg)
	f, ok := resp.(*cwmp.Fault)
	if !ok || f.Code != code {
		r.t.Fatalf("%s: got %T %+v, want fault %d", msg.MethodName(), resp, resp, code)
	}
	return f
}

func TestOptionsThroughSession(t *testing.T) {
	p := testPKI(t)
	v, _ := newOptions(t)
	r := newOptRig(t, v)

	methods := r.call(&cwmp.GetRPCMethods{}).(*cwmp.GetRPCMethodsResponse).MethodList
	if !slices.Contains(methods, "SetVouchers") || !slices.Contains(methods, "GetOptions") {
		t.Fatalf("GetRPCMethods = %v", methods)
	}
	if resp, ok := r.call(&cwmp.SetVouchers{VoucherList: [][]byte{voucher(t, p.rsa, opt{Serial: "4"}, opt{Ident: "IPTV", Mode: "EnableWithoutExpiration"})}}).(*cwmp.SetVouchersResponse); !ok {
		t.Fatalf("SetVouchers: %+v", resp)
	}
	resp, ok := r.call(&cwmp.GetOptions{OptionName: "VoIP"}).(*cwmp.GetOptionsResponse)
	if !ok || len(resp.OptionList) != 1 {
		t.Fatalf("GetOptions: %+v", resp)
	}
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	want := cwmp.OptionStruct{OptionName: "VoIP", VoucherSN: 4, State: 3, Mode: 1, StartDate: start, ExpirationDate: start.AddDate(0, 0, 90)}
	if !sameOption(resp.OptionList[0], want) {
		t.Fatalf("GetOptions = %+v, want %+v", resp.OptionList[0], want)
	}
	resp = r.call(&cwmp.GetOptions{}).(*cwmp.GetOptionsResponse)
	if len(resp.OptionList) != 2 || resp.OptionList[0].OptionName != "IPTV" || !resp.OptionList[0].ExpirationDate.IsZero() {
		t.Fatalf("GetOptions all: %+v", resp.OptionList)
	}
	if resp := r.call(&cwmp.GetOptions{OptionName: "Nope"}).(*cwmp.GetOptionsResponse); len(resp.OptionList) != 0 {
		t.Fatalf("GetOptions unknown: %+v", resp.OptionList)
	}

	// Refused vouchers come back as CWMP faults; nothing changes.
	f := r.fault(&cwmp.SetVouchers{VoucherList: [][]byte{voucher(t, p.rsa, opt{Serial: "5", Ident: "New"}), voucher(t, p.stranger, opt{Serial: "6"})}}, cwmp.FaultRequestDenied)
	if !strings.Contains(f.String, "voucher 2") {
		t.Fatalf("fault string %q", f.String)
	}
	r.fault(&cwmp.SetVouchers{VoucherList: [][]byte{[]byte("not a voucher")}}, cwmp.FaultInvalidArguments)
	if resp := r.call(&cwmp.GetOptions{}).(*cwmp.GetOptionsResponse); len(resp.OptionList) != 2 {
		t.Fatalf("options after refused vouchers: %+v", resp.OptionList)
	}
}

func TestOptionsNotConfigured(t *testing.T) {
	p := testPKI(t)
	r := newOptRig(t, nil)
	methods := r.call(&cwmp.GetRPCMethods{}).(*cwmp.GetRPCMethodsResponse).MethodList
	if slices.Contains(methods, "SetVouchers") || slices.Contains(methods, "GetOptions") {
		t.Fatalf("GetRPCMethods lists the Options methods without options: %v", methods)
	}
	r.fault(&cwmp.GetOptions{}, cwmp.FaultMethodNotSupported)
	r.fault(&cwmp.SetVouchers{VoucherList: [][]byte{voucher(t, p.rsa, opt{})}}, cwmp.FaultMethodNotSupported)
}

// RunSim gives each CPE a VoucherOptions of its own identity.
func TestSimVoucherCerts(t *testing.T) {
	p := testPKI(t)
	acs := &testacs.ACS{Record: true}
	srv := httptest.NewServer(acs)
	defer srv.Close()
	forSIM0 := voucher(t, p.rsa, opt{ProductClass: "dmforge-sim", SerialNumber: "SIM0"})
	acs.Enqueue("SIM0", &cwmp.SetVouchers{VoucherList: [][]byte{forSIM0}}, &cwmp.GetOptions{})
	acs.Enqueue("SIM1", &cwmp.SetVouchers{VoucherList: [][]byte{forSIM0}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stats cpe.SimStats
	err := cpe.RunSim(ctx, cpe.SimConfig{Schema: tr181.Schema, ACSURL: srv.URL, Count: 2, Sessions: 1, VoucherCerts: []*x509.Certificate{p.ca}}, &stats)
	if err != nil {
		t.Fatal(err)
	}
	s0, s1 := acs.Last("SIM0"), acs.Last("SIM1")
	if s0 == nil || s1 == nil || len(s0.Exchanges) != 2 || len(s1.Exchanges) != 1 {
		t.Fatalf("sessions %+v %+v", s0, s1)
	}
	if _, ok := s0.Exchanges[0].Response.(*cwmp.SetVouchersResponse); !ok {
		t.Fatalf("SIM0 SetVouchers: %+v", s0.Exchanges[0].Response)
	}
	if r, ok := s0.Exchanges[1].Response.(*cwmp.GetOptionsResponse); !ok || len(r.OptionList) != 1 || r.OptionList[0].OptionName != "VoIP" {
		t.Fatalf("SIM0 GetOptions: %+v", s0.Exchanges[1].Response)
	}
	if f, ok := s1.Exchanges[0].Response.(*cwmp.Fault); !ok || f.Code != cwmp.FaultRequestDenied || !strings.Contains(f.String, "SerialNumber") {
		t.Fatalf("SIM1 SetVouchers of SIM0's voucher: %+v", s1.Exchanges[0].Response)
	}
}

// ---- fuzzing the voucher reader ----

func FuzzSetVouchers(f *testing.F) {
	p := testPKI(f)
	good := voucher(f, p.rsa, opt{})
	f.Add(good)
	f.Add(voucher(f, p.ec, opt{}, opt{Ident: "IPTV", Mode: "Disable"}))
	f.Add(build{signer: p.ec, c14n: dsig.CanonicalXML10ExclusiveAlgorithmId}.voucher(f, opt{}))
	f.Add(bytes.Replace(good, []byte("VoIP"), []byte("VoIQ"), 1))
	f.Add(bytes.Replace(good, []byte(`Id="option0"`), []byte(`Id="option0" Id="x"`), 1))
	f.Add(bytes.Replace(good, []byte(`URI="#option0"`), []byte(`URI=""`), 1))
	f.Add(bytes.Replace(good, []byte(`URI="#option0"`), []byte(`URI="#xpointer(/)"`), 1))
	f.Add(bytes.Replace(good, []byte(`xmlns:dsig="http://www.w3.org/2000/09/xmldsig#"`), []byte(`xmlns:dsig="urn:x"`), 1))
	f.Add(bytes.Replace(good, []byte(`xmlns=""`), []byte(`xmlns:xmlns="urn:x"`), 1))
	f.Add(bytes.Replace(good, []byte("<X509Certificate>"), []byte("<X509Certificate>!!"), 1))
	f.Add(bytes.Replace(good, []byte("2030-01-01T00:00:00Z"), []byte("0001-01-01T00:00:00Z"), 1))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "&e;&e;">]><Signature xmlns="http://www.w3.org/2000/09/xmldsig#">&e;</Signature>`))
	f.Add([]byte(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/><SignatureValue/><Object Id="a"/></Signature>`))
	f.Add([]byte(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/><Reference URI="#a"><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>AA==</DigestValue></Reference></SignedInfo><SignatureValue>AAAA</SignatureValue><Object Id="a"><Option/></Object></Signature>`))
	f.Add([]byte(strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)))
	f.Add([]byte("<Signature xmlns='http://www.w3.org/2000/09/xmldsig#'/><x/>"))
	f.Add([]byte{0xff, 0xfe, '<', 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, _ := newOptions(t)
		err := v.SetVouchers([][]byte{data})
		got := options(t, v, "")
		if err != nil {
			var fault *cwmp.Fault
			if !errors.As(err, &fault) || (fault.Code != 9001 && fault.Code != 9003 && fault.Code != 9004) || len(fault.String) > 256 {
				t.Fatalf("error %v", err)
			}
			if len(got) != 0 {
				t.Fatalf("options after a refused voucher: %+v", got)
			}
		} else if len(got) == 0 {
			t.Fatal("accepted a voucher without options")
		}
	})
}
