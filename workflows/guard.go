package workflows

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// Limits on a workflow file, so that no file can crash or stall the tool:
// HCL's parser recurses once per nesting level (60 000 nested brackets
// overflow the stack), and a workflow is a few kilobytes of text.
const (
	// MaxFileSize is the largest workflow file read.
	MaxFileSize = 1 << 20
	// MaxNesting is the deepest nesting of brackets, braces and
	// parentheses; real workflows stay under 10.
	MaxNesting = 100
)

// checkSource refuses what is not a workflow before HCL parses it, with one
// diagnostic: too large, binary, or nested too deep.
func checkSource(name string, src []byte) hcl.Diagnostics {
	at := func(line, col, byteOff int) *hcl.Range {
		p := hcl.Pos{Line: line, Column: col, Byte: byteOff}
		return &hcl.Range{Filename: name, Start: p, End: p}
	}
	if len(src) > MaxFileSize {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Workflow file too large",
			Detail: fmt.Sprintf("%s holds %d bytes, more than the %d a workflow may; is it the right file?", name, len(src), MaxFileSize)}}
	}
	if i := bytes.IndexByte(src, 0); i >= 0 || !utf8.Valid(src) {
		if i < 0 {
			i = invalidUTF8(src)
		}
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Not a workflow file",
			Detail: fmt.Sprintf("%s holds binary data (at byte %d), not HCL text; give the path of a .hcl workflow.", name, i)}}
	}
	depth, line, col := 0, 1, 1
	for i, c := range src {
		switch c {
		case '(', '[', '{':
			depth++
			if depth > MaxNesting {
				return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Nesting too deep", Subject: at(line, col, i),
					Detail: fmt.Sprintf("Brackets, braces and parentheses nest more than %d levels deep here; a workflow needs a few. Is the file damaged?", MaxNesting)}}
			}
		case ')', ']', '}':
			depth = max(0, depth-1)
		case '\n':
			line, col = line+1, 0
		}
		col++
	}
	return nil
}

func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return 0
}
