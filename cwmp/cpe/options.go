package cpe

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	_ "crypto/sha1" // digest and signature methods of XML-DSig
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/model"
)

// The State of an option in a GetOptionsResponse is a set of bits.
const (
	OptionStateEnabled = 1 << 0 // the option is in force now
	OptionStateSetup   = 1 << 1 // the option has been set up on the device
)

// The Mode of an option, as GetOptionsResponse reports it; a voucher
// spells them Disable, EnableWithExpiration and EnableWithoutExpiration.
const (
	OptionModeDisable                 = 0
	OptionModeEnableWithExpiration    = 1
	OptionModeEnableWithoutExpiration = 2
)

// Limits of one SetVouchers; past them it answers 9004.
const (
	maxVouchers       = 64       // vouchers in one SetVouchers
	maxVoucherSize    = 64 << 10 // bytes of one voucher
	maxVoucherObjects = 64       // signed Objects (and options) in one voucher
	maxVoucherCerts   = 8        // certificates in one KeyInfo
	maxOptions        = 1024     // options a device keeps
	maxVoucherDepth   = 32       // element nesting of a voucher
)

// VoucherOptions is an OptionsHandler that keeps a device's options, which
// signed vouchers (TR-069 Annex C) enable and disable. It is safe for
// concurrent use; the zero value knows no option and trusts no signer.
//
// A voucher is an XML-DSig Signature in the enveloping form: the root is a
// Signature (namespace http://www.w3.org/2000/09/xmldsig#) with its
// SignedInfo, SignatureValue, an optional KeyInfo whose X509Data carries the
// signer's certificate (and any intermediate certificates), then one or
// more Object elements. Each Object has an Id that a Reference of the
// SignedInfo points at ("#option0") and holds an Option (directly, or in an
// Options element):
//
//	VSerialNum     the voucher's serial number (unsignedInt)
//	DeviceId       Manufacturer, OUI, ProductClass (optional), SerialNumber
//	OptionIdent    the option's name (at most 64 characters)
//	OptionDesc     its description (optional, at most 256 characters)
//	StartDate      when the option starts (optional: when it is applied)
//	Duration       with DurationUnits (Seconds, Minutes, Hours, Days or
//	               Months): how long it lasts, for EnableWithExpiration
//	Mode           Disable, EnableWithExpiration or EnableWithoutExpiration
//	Transferable   whether the option may move to another device (optional
//	               boolean, false)
//
// Other elements of an Option are ignored. The signature is verified
// without trusting anything the voucher says about itself: the SignedInfo
// and each Object are canonicalized (goxmldsig's canonicalizers: inclusive
// C14N 1.0 and 1.1 and exclusive C14N), the signature is checked with the
// signer certificate's key (RSA PKCS #1 v1.5 or ECDSA, SHA-256/384/512;
// SHA-1 only with AllowSHA1), each Object's digest with the References of
// the verified SignedInfo, and the options are read from the canonical,
// digested bytes. Every Object must be signed. DSA signatures (dsa-sha1, as
// in the example of Annex C) are not supported.
//
// The options live in memory only: a restarted device has none.
type VoucherOptions struct {
	// Trusted are the certificates of the voucher signers the device
	// trusts: a voucher's signing certificate must be one of them or chain
	// to one, through the other certificates of the voucher's KeyInfo. A
	// voucher without certificates must be signed with the key of one of
	// them.
	Trusted []*x509.Certificate

	// The device's identity, which a voucher's DeviceId must match
	// (ProductClass only when the voucher gives one; OUI without regard
	// to case).
	Manufacturer, OUI, ProductClass, SerialNumber string

	// AllowSHA1 accepts the SHA-1 digest and signature methods.
	AllowSHA1 bool

	// Now is the clock (expiry, certificate validity); time.Now if nil.
	Now func() time.Time

	mu      sync.Mutex
	options map[string]*option // by name; never changed in place
}

// option is one option of the device, as its latest voucher set it.
type option struct {
	name         string
	desc         string
	serial       uint32
	mode         int
	start, exp   time.Time // exp only for OptionModeEnableWithExpiration
	transferable bool
	setup        bool // enabled under an earlier voucher
}

// enabled reports whether the option is in force at t.
func (o *option) enabled(t time.Time) bool {
	switch o.mode {
	case OptionModeEnableWithExpiration:
		return !t.Before(o.start) && t.Before(o.exp)
	case OptionModeEnableWithoutExpiration:
		return !t.Before(o.start)
	}
	return false
}

// wasEnabled reports whether the option has been in force at some time up
// to t.
func (o *option) wasEnabled(t time.Time) bool {
	switch o.mode {
	case OptionModeEnableWithExpiration:
		return !t.Before(o.start) && o.start.Before(o.exp)
	case OptionModeEnableWithoutExpiration:
		return !t.Before(o.start)
	}
	return false
}

func (o *option) status(t time.Time) cwmp.OptionStruct {
	s := cwmp.OptionStruct{
		OptionName: o.name, VoucherSN: o.serial, Mode: o.mode,
		StartDate: o.start, IsTransferable: o.transferable,
	}
	if o.mode == OptionModeEnableWithExpiration {
		s.ExpirationDate = o.exp
	}
	if o.enabled(t) {
		s.State |= OptionStateEnabled
	}
	// The device sets an option up when it first comes into force (a
	// simulated device has nothing to install); it stays set up when the
	// option expires or is disabled.
	if o.setup || o.wasEnabled(t) {
		s.State |= OptionStateSetup
	}
	return s
}

func (v *VoucherOptions) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// GetOptions returns the option named name, or every option (sorted by
// name) for "". An option past its expiration date is reported with the
// enabled bit of State clear. A name the device does not know gives an
// empty list: TR-069 defines no fault for it (9005 is for parameter names).
func (v *VoucherOptions) GetOptions(name string) ([]cwmp.OptionStruct, error) {
	now := v.now()
	v.mu.Lock()
	defer v.mu.Unlock()
	list := []cwmp.OptionStruct{}
	if name != "" {
		if o := v.options[name]; o != nil {
			list = append(list, o.status(now))
		}
		return list, nil
	}
	names := make([]string, 0, len(v.options))
	for n := range v.options {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		list = append(list, v.options[n].status(now))
	}
	return list, nil
}

// SetVouchers verifies every voucher, then applies their options in order,
// all of them or none. Of the CPE fault codes only the general ones
// (9000-9004) apply to SetVouchers (TR-069 A.4.1.3, A.5.1: the others are
// each tied to other methods), so:
//
//	9003 Invalid arguments: an empty list, or a voucher that is not a
//	     well-formed Annex C voucher (not XML, not an XML-DSig Signature, a
//	     missing or invalid element, an algorithm this device does not
//	     support): the request itself is wrong.
//	9001 Request denied: a well-formed voucher the device refuses: its
//	     signature or a digest does not verify, an Object is not signed, the
//	     signer is not trusted (or its certificate is not valid now), the
//	     voucher is for another device, its VSerialNum is not newer than the
//	     one that set the option last, or the option it enables has already
//	     expired.
//	9004 Resources exceeded: too many or too large vouchers, or too many
//	     options.
//
// The fault string names the voucher (from 1) and the reason.
func (v *VoucherOptions) SetVouchers(vouchers [][]byte) error {
	switch {
	case len(vouchers) == 0:
		return optFault(cwmp.FaultInvalidArguments, "no voucher")
	case len(vouchers) > maxVouchers:
		return optFault(cwmp.FaultResourcesExceeded, "%d vouchers: at most %d at once", len(vouchers), maxVouchers)
	}
	now := v.now()
	parsed := make([][]option, len(vouchers))
	for i, raw := range vouchers {
		opts, f := v.verify(raw, now)
		if f != nil {
			return optFault(f.Code, "voucher %d: %s", i+1, f.String)
		}
		parsed[i] = opts
	}

	v.mu.Lock()
	defer v.mu.Unlock()
	staged := make(map[string]*option, len(v.options))
	for n, o := range v.options {
		staged[n] = o
	}
	for i, opts := range parsed {
		for _, o := range opts {
			prev := staged[o.name]
			if prev != nil && o.serial <= prev.serial {
				return optFault(cwmp.FaultRequestDenied, "voucher %d: option %q: VSerialNum %d is not newer than %d", i+1, o.name, o.serial, prev.serial)
			}
			o.setup = prev != nil && (prev.setup || prev.wasEnabled(now))
			staged[o.name] = &o
		}
	}
	if len(staged) > maxOptions {
		return optFault(cwmp.FaultResourcesExceeded, "%d options: at most %d", len(staged), maxOptions)
	}
	v.options = staged
	return nil
}

func optFault(code cwmp.FaultCode, format string, args ...any) *cwmp.Fault {
	s := strings.ToValidUTF8(fmt.Sprintf(format, args...), "\uFFFD")
	if len(s) > 256 { // FaultString is a string(256)
		n := 253
		for !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "..."
	}
	return cwmp.NewFault(code, s)
}

func invalid(format string, args ...any) *cwmp.Fault {
	return optFault(cwmp.FaultInvalidArguments, format, args...)
}

func denied(format string, args ...any) *cwmp.Fault {
	return optFault(cwmp.FaultRequestDenied, format, args...)
}

// XML-DSig algorithm identifiers beyond goxmldsig's constants.
const (
	digestSHA1   = "http://www.w3.org/2000/09/xmldsig#sha1"
	digestSHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
	digestSHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
	digestSHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
	excC14NNS    = "http://www.w3.org/2001/10/xml-exc-c14n#"
)

var digestMethods = map[string]crypto.Hash{
	digestSHA1: crypto.SHA1, digestSHA256: crypto.SHA256, digestSHA384: crypto.SHA384, digestSHA512: crypto.SHA512,
}

type signatureMethod struct {
	key  x509.PublicKeyAlgorithm
	hash crypto.Hash
}

var signatureMethods = map[string]signatureMethod{
	dsig.RSASHA1SignatureMethod:     {x509.RSA, crypto.SHA1},
	dsig.RSASHA256SignatureMethod:   {x509.RSA, crypto.SHA256},
	dsig.RSASHA384SignatureMethod:   {x509.RSA, crypto.SHA384},
	dsig.RSASHA512SignatureMethod:   {x509.RSA, crypto.SHA512},
	dsig.ECDSASHA1SignatureMethod:   {x509.ECDSA, crypto.SHA1},
	dsig.ECDSASHA256SignatureMethod: {x509.ECDSA, crypto.SHA256},
	dsig.ECDSASHA384SignatureMethod: {x509.ECDSA, crypto.SHA384},
	dsig.ECDSASHA512SignatureMethod: {x509.ECDSA, crypto.SHA512},
}

// sameDocRef is the form of the Reference URIs a voucher may use.
var sameDocRef = regexp.MustCompile(`^#[A-Za-z_][\w.-]*$`)

// verify checks one voucher and returns its options.
func (v *VoucherOptions) verify(raw []byte, now time.Time) ([]option, *cwmp.Fault) {
	if len(raw) > maxVoucherSize {
		return nil, optFault(cwmp.FaultResourcesExceeded, "%d bytes: at most %d", len(raw), maxVoucherSize)
	}
	root, f := readXML(raw)
	if f != nil {
		return nil, f
	}
	if !isDsig(root, "Signature") {
		return nil, invalid("not a voucher: the root element is not an XML-DSig Signature")
	}

	// Signature: SignedInfo, SignatureValue, KeyInfo?, Object+
	children := root.ChildElements()
	i := 0
	next := func(tag string) *etree.Element {
		if i < len(children) && isDsig(children[i], tag) {
			i++
			return children[i-1]
		}
		return nil
	}
	signedInfo := next("SignedInfo")
	sigValue := next("SignatureValue")
	if signedInfo == nil || sigValue == nil {
		return nil, invalid("Signature: SignedInfo and SignatureValue must come first")
	}
	keyInfo := next("KeyInfo")
	var objects []*etree.Element
	for i < len(children) {
		o := next("Object")
		if o == nil {
			return nil, invalid("Signature: unexpected element %s", children[i].FullTag())
		}
		objects = append(objects, o)
	}
	switch {
	case len(objects) == 0:
		return nil, invalid("Signature: no Object (the voucher holds no option)")
	case len(objects) > maxVoucherObjects:
		return nil, optFault(cwmp.FaultResourcesExceeded, "%d Objects: at most %d", len(objects), maxVoucherObjects)
	}
	byID := map[string]*etree.Element{}
	for _, o := range objects {
		id := attr(o, "Id")
		if id == "" {
			return nil, invalid("an Object has no Id")
		}
		if byID[id] != nil {
			return nil, invalid("two Objects with Id %q", id)
		}
		byID[id] = o
	}
	// An Id must name one element only, or a Reference could digest one
	// element while the options are read from another.
	ids := map[string]int{}
	for _, el := range allElements(root) {
		for _, a := range el.Attr {
			if a.Space == "" && strings.EqualFold(a.Key, "id") {
				ids[a.Value]++
			}
		}
	}
	for id := range byID {
		if ids[id] != 1 {
			return nil, invalid("Id %q names more than one element", id)
		}
	}

	// The SignedInfo, canonicalized as it says; everything else about it
	// is read from the canonical bytes the signature covers.
	cm, f := onlyChild(signedInfo, "CanonicalizationMethod")
	if f != nil {
		return nil, f
	}
	canonSI, err := canonicalize(signedInfo, attr(cm, "Algorithm"), inclusivePrefixes(cm), true)
	if err != nil {
		return nil, invalid("SignedInfo: %v", err)
	}
	si, f := readXML(canonSI)
	if f != nil {
		return nil, invalid("canonical SignedInfo: %s", f.String)
	}
	sm, f := onlyChild(si, "SignatureMethod")
	if f != nil {
		return nil, f
	}
	method, ok := signatureMethods[attr(sm, "Algorithm")]
	if !ok {
		return nil, invalid("SignatureMethod %q is not supported (RSA or ECDSA with SHA-256, SHA-384 or SHA-512)", attr(sm, "Algorithm"))
	}
	if method.hash == crypto.SHA1 && !v.AllowSHA1 {
		return nil, invalid("SignatureMethod %q: SHA-1 is not accepted", attr(sm, "Algorithm"))
	}
	var refs []*etree.Element
	for _, c := range si.ChildElements() {
		switch {
		case isDsig(c, "Reference"):
			refs = append(refs, c)
		case isDsig(c, "CanonicalizationMethod"), isDsig(c, "SignatureMethod"):
		default:
			return nil, invalid("SignedInfo: unexpected element %s", c.FullTag())
		}
	}
	if len(refs) == 0 {
		return nil, invalid("SignedInfo has no Reference")
	}
	sigBytes, err := decodeBase64(sigValue.Text())
	if err != nil {
		return nil, invalid("SignatureValue: %v", err)
	}

	// The signer: a certificate of the KeyInfo whose key verifies the
	// signature (or a trusted certificate when the KeyInfo has none), and
	// it must be trusted.
	certs, f := keyInfoCerts(keyInfo)
	if f != nil {
		return nil, f
	}
	candidates := certs
	if len(candidates) == 0 {
		candidates = v.Trusted
	}
	var signer *x509.Certificate
	for _, c := range candidates {
		if verifySignature(c.PublicKey, method, canonSI, sigBytes) {
			signer = c
			break
		}
	}
	if signer == nil {
		return nil, denied("the signature does not verify")
	}
	if err := v.trust(signer, certs, now); err != nil {
		return nil, denied("signer %q is not trusted: %v", signer.Subject.String(), err)
	}

	// Every Object must be digested by a Reference.
	var signed [][]byte
	done := map[*etree.Element]bool{}
	for _, ref := range refs {
		uri := attr(ref, "URI")
		if !sameDocRef.MatchString(uri) {
			return nil, invalid("Reference URI %q: only references to an Object of the voucher (#Id) are supported", uri)
		}
		obj := byID[uri[1:]]
		if obj == nil {
			return nil, invalid("Reference URI %q: no Object has that Id", uri)
		}
		if done[obj] {
			return nil, invalid("two References to Object %q", uri[1:])
		}
		c14n, prefixes, f := referenceTransform(ref)
		if f != nil {
			return nil, f
		}
		dm, f := onlyChild(ref, "DigestMethod")
		if f != nil {
			return nil, f
		}
		hash, ok := digestMethods[attr(dm, "Algorithm")]
		if !ok || (hash == crypto.SHA1 && !v.AllowSHA1) {
			return nil, invalid("DigestMethod %q is not supported (SHA-256, SHA-384 or SHA-512)", attr(dm, "Algorithm"))
		}
		dv, f := onlyChild(ref, "DigestValue")
		if f != nil {
			return nil, f
		}
		want, err := decodeBase64(dv.Text())
		if err != nil {
			return nil, invalid("DigestValue: %v", err)
		}
		canon, err := canonicalize(obj, c14n, prefixes, false)
		if err != nil {
			return nil, invalid("Object %q: %v", uri[1:], err)
		}
		h := hash.New()
		h.Write(canon)
		if subtle.ConstantTimeCompare(h.Sum(nil), want) != 1 {
			return nil, denied("Object %q: the digest does not match (the content was changed)", uri[1:])
		}
		done[obj] = true
		signed = append(signed, canon)
	}
	for id, o := range byID {
		if !done[o] {
			return nil, denied("Object %q is not signed", id)
		}
	}

	// The options, from the bytes that were digested.
	var out []option
	for _, canon := range signed {
		obj, f := readXML(canon)
		if f != nil {
			return nil, invalid("canonical Object: %s", f.String)
		}
		var opts []*etree.Element
		for _, c := range obj.ChildElements() {
			switch c.Tag {
			case "Option":
				opts = append(opts, c)
			case "Options":
				for _, cc := range c.ChildElements() {
					if cc.Tag == "Option" {
						opts = append(opts, cc)
					}
				}
			}
		}
		if len(opts) == 0 {
			return nil, invalid("Object %q holds no Option", attr(obj, "Id"))
		}
		for _, el := range opts {
			if len(out) == maxVoucherObjects {
				return nil, optFault(cwmp.FaultResourcesExceeded, "more than %d options", maxVoucherObjects)
			}
			vo, f := v.readOption(el, now)
			if f != nil {
				return nil, f
			}
			out = append(out, vo)
		}
	}
	return out, nil
}

// readXML parses a voucher (or canonical part of one): one root element, no
// DOCTYPE, no duplicate attributes, bounded nesting.
func readXML(raw []byte) (*etree.Element, *cwmp.Fault) {
	doc := etree.NewDocument()
	doc.ReadSettings.PreserveDuplicateAttrs = true
	doc.ReadSettings.MaxDepth = maxVoucherDepth
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, invalid("not XML: %v", err)
	}
	var root *etree.Element
	for _, tok := range doc.Child {
		switch t := tok.(type) {
		case *etree.Element:
			if root != nil {
				return nil, invalid("not XML: more than one root element")
			}
			root = t
		case *etree.Directive:
			return nil, invalid("a voucher may not have a DOCTYPE")
		case *etree.ProcInst:
			if t.Target != "xml" {
				return nil, invalid("a voucher may not have processing instructions")
			}
		case *etree.CharData:
			if strings.TrimSpace(t.Data) != "" {
				return nil, invalid("not XML: text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, invalid("not XML: no element")
	}
	for _, el := range allElements(root) {
		seen := make(map[string]bool, len(el.Attr))
		for _, a := range el.Attr {
			k := a.Space + ":" + a.Key
			if seen[k] {
				return nil, invalid("element %s has two attributes %s", el.FullTag(), a.FullKey())
			}
			seen[k] = true
		}
	}
	return root, nil
}

// allElements returns el and every element below it.
func allElements(el *etree.Element) []*etree.Element {
	out := []*etree.Element{el}
	for i := 0; i < len(out); i++ {
		out = append(out, out[i].ChildElements()...)
	}
	return out
}

// isDsig reports whether el is the XML-DSig element tag.
func isDsig(el *etree.Element, tag string) bool {
	return el.Tag == tag && el.NamespaceURI() == dsig.Namespace
}

// attr returns the value of el's attribute key, which has no prefix.
func attr(el *etree.Element, key string) string {
	for _, a := range el.Attr {
		if a.Space == "" && a.Key == key {
			return a.Value
		}
	}
	return ""
}

// onlyChild returns the one XML-DSig child tag of el.
func onlyChild(el *etree.Element, tag string) (*etree.Element, *cwmp.Fault) {
	var found *etree.Element
	for _, c := range el.ChildElements() {
		if isDsig(c, tag) {
			if found != nil {
				return nil, invalid("%s has two %s", el.Tag, tag)
			}
			found = c
		}
	}
	if found == nil {
		return nil, invalid("%s has no %s", el.Tag, tag)
	}
	return found, nil
}

// inclusivePrefixes returns the PrefixList of an exclusive canonicalization
// method or transform.
func inclusivePrefixes(el *etree.Element) string {
	for _, c := range el.ChildElements() {
		if c.Tag == "InclusiveNamespaces" && c.NamespaceURI() == excC14NNS {
			return attr(c, "PrefixList")
		}
	}
	return ""
}

// referenceTransform returns the canonicalization a Reference's Transforms
// ask for: inclusive C14N 1.0 without one (XML-DSig's default for a node
// set). Only canonicalization transforms are accepted.
func referenceTransform(ref *etree.Element) (alg, prefixes string, f *cwmp.Fault) {
	alg = string(dsig.CanonicalXML10RecAlgorithmId)
	ts := 0
	for _, c := range ref.ChildElements() {
		if !isDsig(c, "Transforms") {
			continue
		}
		if ts++; ts > 1 {
			return "", "", invalid("Reference has two Transforms")
		}
		n := 0
		for _, t := range c.ChildElements() {
			if !isDsig(t, "Transform") {
				return "", "", invalid("Transforms: unexpected element %s", t.FullTag())
			}
			if n++; n > 1 {
				return "", "", invalid("Reference: only one (canonicalization) Transform is supported")
			}
			alg, prefixes = attr(t, "Algorithm"), inclusivePrefixes(t)
		}
	}
	return alg, prefixes, nil
}

// canonicalize serializes el, with the namespace declarations in scope
// where it is, by the canonicalization method alg. A same-document
// reference (#Id) selects no comments, so for it (withComments false) the
// WithComments methods drop them all the same.
func canonicalize(el *etree.Element, alg, prefixes string, withComments bool) ([]byte, error) {
	var c dsig.Canonicalizer
	switch dsig.AlgorithmID(alg) {
	case dsig.CanonicalXML10RecAlgorithmId:
		c = dsig.MakeC14N10RecCanonicalizer()
	case dsig.CanonicalXML10WithCommentsAlgorithmId:
		c = dsig.MakeC14N10RecCanonicalizer()
		if withComments {
			c = dsig.MakeC14N10WithCommentsCanonicalizer()
		}
	case dsig.CanonicalXML11AlgorithmId:
		c = dsig.MakeC14N11Canonicalizer()
	case dsig.CanonicalXML11WithCommentsAlgorithmId:
		c = dsig.MakeC14N11Canonicalizer()
		if withComments {
			c = dsig.MakeC14N11WithCommentsCanonicalizer()
		}
	case dsig.CanonicalXML10ExclusiveAlgorithmId:
		c = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixes)
	case dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId:
		c = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixes)
		if withComments {
			c = dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList(prefixes)
		}
	default:
		return nil, fmt.Errorf("canonicalization method %q is not supported", alg)
	}
	// A copy that declares the namespaces in scope of el itself (its own
	// declarations win: an Object's xmlns="" must not become the
	// Signature's default namespace), so that no canonicalizer looks
	// beyond it.
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, err
	}
	detached, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		return nil, err
	}
	return c.Canonicalize(detached)
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64")
	}
	return b, nil
}

// keyInfoCerts returns the certificates of a KeyInfo's X509Data.
func keyInfoCerts(keyInfo *etree.Element) ([]*x509.Certificate, *cwmp.Fault) {
	if keyInfo == nil {
		return nil, nil
	}
	var certs []*x509.Certificate
	for _, d := range keyInfo.ChildElements() {
		if !isDsig(d, "X509Data") {
			continue
		}
		for _, c := range d.ChildElements() {
			if !isDsig(c, "X509Certificate") {
				continue
			}
			if len(certs) == maxVoucherCerts {
				return nil, optFault(cwmp.FaultResourcesExceeded, "KeyInfo: more than %d certificates", maxVoucherCerts)
			}
			der, err := decodeBase64(c.Text())
			if err != nil {
				return nil, invalid("X509Certificate: %v", err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, invalid("X509Certificate: %v", err)
			}
			certs = append(certs, cert)
		}
	}
	return certs, nil
}

// verifySignature checks sig over data with pub. ECDSA signatures are
// XML-DSig's r||s, or ASN.1 DER (what many signers, goxmldsig among them,
// produce).
func verifySignature(pub any, m signatureMethod, data, sig []byte) bool {
	h := m.hash.New()
	h.Write(data)
	digest := h.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return m.key == x509.RSA && rsa.VerifyPKCS1v15(k, m.hash, digest, sig) == nil
	case *ecdsa.PublicKey:
		if m.key != x509.ECDSA {
			return false
		}
		if n := (k.Curve.Params().BitSize + 7) / 8; len(sig) == 2*n {
			r, s := new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
			if ecdsa.Verify(k, digest, r, s) {
				return true
			}
		}
		return ecdsa.VerifyASN1(k, digest, sig)
	}
	return false
}

// trust checks that signer is one of the trusted certificates, or chains
// to one through the others, and is valid at now.
func (v *VoucherOptions) trust(signer *x509.Certificate, others []*x509.Certificate, now time.Time) error {
	if len(v.Trusted) == 0 {
		return fmt.Errorf("the device trusts no voucher signer")
	}
	for _, t := range v.Trusted {
		if t.Equal(signer) {
			if now.Before(signer.NotBefore) || now.After(signer.NotAfter) {
				return fmt.Errorf("the certificate is not valid at %s", now.UTC().Format(time.RFC3339))
			}
			return nil
		}
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, t := range v.Trusted {
		roots.AddCert(t)
	}
	for _, c := range others {
		if !c.Equal(signer) {
			inter.AddCert(c)
		}
	}
	_, err := signer.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	return err
}

// readOption reads an Option element of a verified Object and checks it
// against the device and the clock.
func (v *VoucherOptions) readOption(el *etree.Element, now time.Time) (option, *cwmp.Fault) {
	fields := map[string]*etree.Element{}
	for _, c := range el.ChildElements() {
		if fields[c.Tag] != nil {
			return option{}, invalid("Option has two %s", c.Tag)
		}
		fields[c.Tag] = c
	}
	text := func(tag string) (string, bool) {
		if c := fields[tag]; c != nil {
			return strings.TrimSpace(c.Text()), true
		}
		return "", false
	}
	var o option

	s, ok := text("VSerialNum")
	if !ok {
		return option{}, invalid("Option has no VSerialNum")
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return option{}, invalid("VSerialNum %q is not an unsignedInt", s)
	}
	o.serial = uint32(n)

	if o.name, ok = text("OptionIdent"); !ok || o.name == "" {
		return option{}, invalid("Option has no OptionIdent")
	}
	if utf8.RuneCountInString(o.name) > 64 {
		return option{}, invalid("OptionIdent is longer than 64 characters")
	}
	if o.desc, _ = text("OptionDesc"); utf8.RuneCountInString(o.desc) > 256 {
		return option{}, invalid("OptionDesc is longer than 256 characters")
	}

	dev := fields["DeviceId"]
	if dev == nil {
		return option{}, invalid("Option %q has no DeviceId", o.name)
	}
	if f := v.checkDevice(dev); f != nil {
		return option{}, f
	}

	mode, ok := text("Mode")
	switch {
	case !ok:
		return option{}, invalid("Option %q has no Mode", o.name)
	case strings.EqualFold(mode, "Disable"):
		o.mode = OptionModeDisable
	case strings.EqualFold(mode, "EnableWithExpiration"):
		o.mode = OptionModeEnableWithExpiration
	case strings.EqualFold(mode, "EnableWithoutExpiration"):
		o.mode = OptionModeEnableWithoutExpiration
	default:
		return option{}, invalid("Mode %q: want Disable, EnableWithExpiration or EnableWithoutExpiration", mode)
	}

	o.start = now.UTC()
	if s, ok := text("StartDate"); ok && s != "" {
		t, err := model.ParseDateTime(s)
		if err != nil {
			return option{}, invalid("StartDate: %v", err)
		}
		if t.Year() > 1 { // the unknown time means none
			o.start = t.UTC()
		}
	}

	if s, ok := text("Transferable"); ok && s != "" {
		if o.transferable, err = model.ParseBool(s); err != nil {
			return option{}, invalid("Transferable: %v", err)
		}
	}

	if o.mode == OptionModeEnableWithExpiration { // Duration means nothing to the others
		ds, _ := text("Duration")
		units, _ := text("DurationUnits")
		var f *cwmp.Fault
		if o.exp, f = expiry(o.start, ds, units); f != nil {
			return option{}, f
		}
		if !now.Before(o.exp) {
			return option{}, denied("option %q expired on %s", o.name, o.exp.Format(time.RFC3339))
		}
	}
	return o, nil
}

// checkDevice matches a voucher's DeviceId against the device.
func (v *VoucherOptions) checkDevice(dev *etree.Element) *cwmp.Fault {
	id := map[string]string{}
	for _, c := range dev.ChildElements() {
		if _, dup := id[c.Tag]; dup {
			return invalid("DeviceId has two %s", c.Tag)
		}
		id[c.Tag] = strings.TrimSpace(c.Text())
	}
	for _, k := range []string{"Manufacturer", "OUI", "SerialNumber"} {
		if id[k] == "" {
			return invalid("DeviceId has no %s", k)
		}
	}
	switch {
	case id["Manufacturer"] != v.Manufacturer:
		return denied("the voucher is for Manufacturer %q, not %q", id["Manufacturer"], v.Manufacturer)
	case !strings.EqualFold(id["OUI"], v.OUI):
		return denied("the voucher is for OUI %q, not %q", id["OUI"], v.OUI)
	case id["ProductClass"] != "" && id["ProductClass"] != v.ProductClass:
		return denied("the voucher is for ProductClass %q, not %q", id["ProductClass"], v.ProductClass)
	case id["SerialNumber"] != v.SerialNumber:
		return denied("the voucher is for SerialNumber %q, not %q", id["SerialNumber"], v.SerialNumber)
	}
	return nil
}

// expiry is start plus Duration DurationUnits (at most about 200 years).
func expiry(start time.Time, ds, units string) (time.Time, *cwmp.Fault) {
	n, err := strconv.ParseUint(ds, 10, 32)
	if err != nil || n == 0 {
		return time.Time{}, invalid("Duration %q: want a positive unsignedInt", ds)
	}
	const years = 200
	if strings.EqualFold(units, "Months") {
		if n > years*12 {
			return time.Time{}, invalid("Duration %d Months is too long", n)
		}
		return start.AddDate(0, int(n), 0), nil
	}
	unit := map[string]time.Duration{
		"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour,
	}[strings.ToLower(units)]
	if unit == 0 {
		return time.Time{}, invalid("DurationUnits %q: want Seconds, Minutes, Hours, Days or Months", units)
	}
	if n > uint64(years*366*24*time.Hour/unit) {
		return time.Time{}, invalid("Duration %d %s is too long", n, units)
	}
	return start.Add(time.Duration(n) * unit), nil
}
