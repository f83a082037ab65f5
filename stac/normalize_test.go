package stac

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// normalizeRef is the direct form of normalize: decode into generic values,
// numbers as their text, and encode them indented, without HTML escaping.
func normalizeRef(src []byte) ([]byte, error) {
	if !json.Valid(src) {
		return nil, errors.New("not one JSON value")
	}
	return decodeEncode(src)
}

// decodeEncode is what Marshal did with json.Marshal's text before
// normalize.
func decodeEncode(src []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(generic); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// normalizeCases are texts whose normal form the direct form gives; the
// fuzz test starts from them.
var normalizeCases = []string{
	`{}`, `[]`, `{ }`, `[ ]`, `null`, `true`, `false`, `0`, `-0.5e+10`, `1E3`, `"a"`,
	`{"b":1,"a":[1,2,{"d":null,"c":"x"}],"e":{}}`,
	` {"a" : [ 1 , "two" , [] , {} ] } `,
	`{"a":1,"a":2,"b":{"x":1},"b":[3]}`,
	`{"\u0061":1,"a ":2,"é":3,"z":4,"A":5}`,
	`["<>&", "\u003c\u003e\u0026", "tab\there", "\u2028\u2029", "\ud83d\ude00", "\"quoted\" \\ slash \/"]`,
	`{"k\n":"v\u0000w","\u00e9t\u00e9":"caf\u00e9"}`,
	`[1.0, 1e5, -0, 12345678901234567890123, 0.000001]`,
	`{"nested":{"deeper":{"deepest":[[[]]]}}}`,
}

func TestNormalizeMatchesReference(t *testing.T) {
	for _, c := range normalizeCases {
		want, err := normalizeRef([]byte(c))
		if err != nil {
			t.Fatalf("%s: reference: %v", c, err)
		}
		var got bytes.Buffer
		if err := normalize(&got, []byte(c)); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if got.String() != string(want) {
			t.Errorf("%s:\n got %q\nwant %q", c, got.String(), want)
		}
	}
}

// TestNormalizeRefusesWhatDecodingRefuses: what is not one JSON value is
// refused, also inside a repeated key's value, which is not written.
func TestNormalizeRefusesWhatDecodingRefuses(t *testing.T) {
	for _, c := range []string{
		``, `{`, `[`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a":1 "b":2}`, `{1:2}`,
		`"unterminated`, `"bad \x escape"`, "\"ctl \x01\"", `tru`, `nul`, `01`, `1.`, `.5`, `-`, `1e`, `+1`,
		`{"a":1}}`, `[]]`, `{} {}`, `[}`, `{]`, `{"a":[1 2],"a":1}`, `{"a":"\q","a":1}`,
		strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2),
	} {
		if _, err := normalizeRef([]byte(c)); err == nil {
			t.Fatalf("%q: the reference accepts it", c)
		}
		var got bytes.Buffer
		if err := normalize(&got, []byte(c)); err == nil {
			t.Errorf("%q: accepted, as %q", c, got.String())
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, c := range normalizeCases {
		f.Add([]byte(c))
	}
	if files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.json")); len(files) > 0 {
		for _, p := range files[:min(5, len(files))] {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		want, refErr := normalizeRef(src)
		var got bytes.Buffer
		err := normalize(&got, src)
		switch {
		case refErr != nil && err == nil:
			t.Fatalf("%q: accepted as %q; decoding refuses it: %v", src, got.String(), refErr)
		case refErr == nil && err != nil:
			t.Fatalf("%q: %v; decoding gives %q", src, err, want)
		case refErr == nil && got.String() != string(want):
			t.Fatalf("%q:\n got %q\nwant %q", src, got.String(), want)
		}
	})
}

// BenchmarkMarshalItem marshals the test item: normalized on its text, and
// by the direct form.
func BenchmarkMarshalItem(b *testing.B) {
	it, err := ReadItem(filepath.Join("testdata", "item.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("text", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := Marshal(it); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("generic", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			raw, err := json.Marshal(it)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := decodeEncode(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
