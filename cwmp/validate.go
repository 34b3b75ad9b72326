package cwmp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The schema facets the encoder enforces, per schema generation. Patterns
// are the XSD ones translated to RE2: XSD patterns are anchored, "." does
// not match CR or LF, and \S is "not XML whitespace".

func anchored(alts ...string) *regexp.Regexp {
	return regexp.MustCompile(`^(?:` + strings.Join(alts, `|`) + `)$`)
}

const (
	reDot    = `[^\r\n]`
	reVendor = `X [0-9A-F]{6} ` + reDot
)

var (
	eventCode10 = anchored(`0 BOOTSTRAP`, `1 BOOT`, `2 PERIODIC`, `3 SCHEDULED`, `4 VALUE CHANGE`,
		`5 KICKED`, `6 CONNECTION REQUEST`, `7 TRANSFER COMPLETE`, `8 DIAGNOSTICS COMPLETE`,
		`9 REQUEST DOWNLOAD`, `M Reboot`, `M ScheduleInform`, `M Download`, `M Upload`,
		`M X_\S+`, reVendor+`*`)
	eventCode11 = anchored(`\d+( \S+)+`, `M \S+`, reVendor+`*`)
	eventCode12 = anchored(`\d+( \S+)+`, `M \S+`, reVendor+`+`, `X \S+ `+reDot+`+`)

	downloadFileType10 = anchored(`1 Firmware Upgrade Image`, `2 Web Content`,
		`3 Vendor Configuration File`, reVendor+`*`)
	uploadFileType10   = anchored(`1 Vendor Configuration File`, `2 Vendor Log File`, reVendor+`*`)
	transferFileType11 = anchored(`1 Firmware Upgrade Image`, `2 Web Content`,
		`3 Vendor Configuration File`, `4 Vendor Log File`, reVendor+`*`)
	// cwmp-1-2.xsd: DownloadFileType, TimeWindowModeValueType; and
	// UploadFileType = TransferFileType, whose extra instance-number pattern
	// is already matched by the first one.
	fileType12 = anchored(`[1-9]\d*( \S+)+`, reVendor+`+`, `X \S+ `+reDot+`+`)

	ouiPattern  = anchored(`[0-9A-F]{6}`)
	uuidPattern = anchored(`[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}`)

	cwmpVersionList = anchored(`\d+\.\d+(,\d+\.\d+)*`)
	cwmpVersion     = anchored(`\d+\.\d+`)
)

// checkString enforces the named facet on a string field value.
func checkString(check string, g schemaGen, s string) error {
	var re *regexp.Regexp
	maxLen := 64
	switch check {
	case "":
		return nil
	case "oui":
		re, maxLen = ouiPattern, 6
	case "uuid":
		re, maxLen = uuidPattern, 36
	case "eventCode":
		re = [...]*regexp.Regexp{eventCode10, eventCode11, eventCode12}[g]
	case "downloadFileType":
		re = [...]*regexp.Regexp{downloadFileType10, downloadFileType10, fileType12}[g]
	case "uploadFileType":
		re = [...]*regexp.Regexp{uploadFileType10, uploadFileType10, fileType12}[g]
	case "transferFileType":
		re = [...]*regexp.Regexp{transferFileType11, transferFileType11, fileType12}[g]
	case "windowMode":
		re = fileType12
	case "objectName":
		if !strings.HasSuffix(s, ".") || strings.ContainsAny(s, "\r\n") {
			return errors.New("must end in \".\" and be on one line")
		}
		return nil
	case "accessList":
		if s != "Subscriber" {
			return errors.New(`the only access-list entry is "Subscriber"`)
		}
		return nil
	case "duState":
		if s != DUStateInstalled && s != DUStateUninstalled && s != DUStateFailed {
			return errors.New("must be Installed, Uninstalled or Failed")
		}
		return nil
	case "anyURI":
		for _, r := range s {
			if r <= ' ' || r == 0x7f {
				return errors.New("URI must not contain spaces or control characters")
			}
		}
		return nil
	default:
		panic("cwmp: unknown check " + check)
	}
	if utf8.RuneCountInString(s) > maxLen {
		return fmt.Errorf("longer than %d characters", maxLen)
	}
	if !re.MatchString(s) {
		return fmt.Errorf("%q does not match the schema pattern", s)
	}
	return nil
}

type codeRange struct{ lo, hi int64 }

func inRanges(v int64, rs []codeRange) bool {
	for _, r := range rs {
		if v >= r.lo && v <= r.hi {
			return true
		}
	}
	return false
}

var (
	notification = [...][]codeRange{{{0, 2}}, {{0, 2}}, {{0, 6}}}

	transferFault = [...][]codeRange{
		{{0, 0}, {9001, 9002}, {9010, 9012}},
		{{0, 0}, {9001, 9002}, {9010, 9012}, {9014, 9899}},
		{{0, 0}, {9001, 9002}, {9010, 9012}, {9014, 9020}, {9033, 9899}},
	}
	duFault = [...][]codeRange{
		nil, nil,
		{{0, 0}, {9001, 9001}, {9003, 9003}, {9012, 9013}, {9015, 9018}, {9022, 9899}},
	}
	// soapFault: cwmp:Fault FaultCode. spvFault: its SetParameterValuesFault
	// FaultCode (CPE codes only from cwmp-1-2 on).
	soapFault = [...][]codeRange{
		{{9000, 9013}, {9800, 9899}, {8000, 8005}, {8800, 8899}},
		{{9000, 9899}, {8000, 8899}},
		{{9000, 9899}, {8000, 8899}},
	}
	spvFault = [...][]codeRange{
		{{9000, 9013}, {9800, 9899}, {8000, 8005}, {8800, 8899}},
		{{9000, 9899}, {8000, 8899}},
		{{9000, 9899}},
	}
)

// checkInt enforces the named facet on an integer field value.
func checkInt(check string, g schemaGen, v int64) error {
	var rs []codeRange
	switch check {
	case "":
		return nil
	case "notification":
		rs = notification[g]
	case "transferFault":
		rs = transferFault[g]
	case "duFault":
		rs = duFault[g]
	default:
		panic("cwmp: unknown check " + check)
	}
	if !inRanges(v, rs) {
		return fmt.Errorf("%d is not allowed by this schema version", v)
	}
	return nil
}

// checkXMLText reports a string that XML 1.0 cannot carry: invalid UTF-8 or
// characters outside the XML Char production.
func checkXMLText(s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("invalid UTF-8 at byte %d", i)
		}
		if !isXMLChar(r) {
			return fmt.Errorf("character %U at byte %d is not allowed in XML", r, i)
		}
		i += size
	}
	return nil
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}

// valueTypes are the xsi:types a ParameterValueStruct value may carry: the
// XML Schema types TR-106 data types map to.
var valueTypes = map[string]func(string) bool{
	"xsd:string":       func(string) bool { return true },
	"xsd:int":          func(s string) bool { return isInteger(s, true, 32) },
	"xsd:unsignedInt":  func(s string) bool { return isInteger(s, false, 32) },
	"xsd:long":         func(s string) bool { return isInteger(s, true, 64) },
	"xsd:unsignedLong": func(s string) bool { return isInteger(s, false, 64) },
	"xsd:boolean": func(s string) bool {
		return s == "true" || s == "false" || s == "1" || s == "0"
	},
	"xsd:dateTime":     isDateTime,
	"xsd:base64Binary": isBase64,
	"xsd:hexBinary":    isHexBinary,
	"xsd:decimal":      isDecimal,
}

// checkValue checks that v is a lexically valid value of its xsi:type.
func checkValue(typ, v string) error {
	valid, ok := valueTypes[typ]
	if !ok {
		return fmt.Errorf("xsi:type %q is not an XML Schema type CWMP values use", typ)
	}
	if !valid(v) {
		return fmt.Errorf("value %q is not a valid %s", v, typ)
	}
	return nil
}

func isInteger(s string, signed bool, bits int) bool {
	if signed {
		_, err := strconv.ParseInt(s, 10, bits)
		return err == nil && s[0] != '+'
	}
	_, err := strconv.ParseUint(s, 10, bits)
	return err == nil
}

var dateTimePattern = anchored(`-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?`)

func isDateTime(s string) bool {
	if !dateTimePattern.MatchString(s) || strings.HasPrefix(s, "0000") || s[0] == '-' {
		return false
	}
	_, err := parseDateTime(s)
	return err == nil
}

func isBase64(s string) bool {
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}

func isHexBinary(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

var decimalPattern = anchored(`[+-]?(\d+(\.\d*)?|\.\d+)`)

func isDecimal(s string) bool { return decimalPattern.MatchString(s) }

// formatDateTime formats t as the schema's xs:dateTime. The zero time is
// the unknown time, 0001-01-01T00:00:00Z. Offsets that are not whole
// minutes cannot be written and are converted to UTC.
func formatDateTime(dst []byte, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return append(dst, "0001-01-01T00:00:00Z"...), nil
	}
	if y := t.Year(); y < 1 || y > 9999 {
		return dst, fmt.Errorf("year %d cannot be encoded as xs:dateTime", y)
	}
	if _, off := t.Zone(); off%60 != 0 {
		t = t.UTC()
	}
	return t.AppendFormat(dst, time.RFC3339Nano), nil
}

// parseDateTime parses an xs:dateTime, with or without fraction and zone; a
// value without zone is taken as UTC.
func parseDateTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}
