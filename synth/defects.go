package synth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
)

// DefectReport is scene.json's record of every injected defect: exactly which
// files, rows and values, so that a QA step can be scored against it.
type DefectReport struct {
	Requested string        `json:"requested"` // canonical defect list, "none"
	Stripes   []StripedFile `json:"stripes"`   // t1 DSM sheets with stripes
	Corrupt   *CorruptFile  `json:"corrupt"`   // the truncated t1 DSM, null if none
	Missing   *MissingSheet `json:"missing"`   // the sheet absent from t1, null if none
	BiasM     float64       `json:"bias_m"`    // added to every t1 DSM value
	ShiftM    [2]float64    `json:"shift_m"`   // (east, north) displacement of the whole t1 world
}

// StripedFile lists the stripes written into one DSM file.
type StripedFile struct {
	File    string   `json:"file"` // relative to the scene directory
	Stripes []Stripe `json:"stripes"`
}

// Stripe is a band of rows set to one value: rows [Row, Row+Rows) and
// columns [Col, Col+Cols) of the file, zero-based from its top-left pixel.
type Stripe struct {
	Row   int     `json:"row"`
	Rows  int     `json:"rows"`
	Col   int     `json:"col"`
	Cols  int     `json:"cols"`
	Value float64 `json:"value"` // -9999 (nodata) or 0
	Full  bool    `json:"full_width"`
}

// CorruptFile is a file cut short after it was written.
type CorruptFile struct {
	File        string `json:"file"`
	Bytes       int64  `json:"bytes"`        // size as written
	TruncatedTo int64  `json:"truncated_to"` // size left on disk
}

// MissingSheet is a sheet whose t1 files were never written.
type MissingSheet struct {
	Sheet string   `json:"sheet"`
	Epoch string   `json:"epoch"`
	Files []string `json:"files"` // the paths the files would have had
}

// defectStream is the PCG stream the defect placement draws from.
const defectStream = 0x5eed0005

// defectPlanned is the decision of where each defect goes, made before any file is written.
type defectPlanned struct {
	missing, corrupt int        // sheet indices, -1 for none
	stripes          [][]Stripe // per sheet, nil for none
}

// planDefects decides where the requested defects go. Missing, corrupt and
// striped sheets are distinct, so that each defect can be told apart.
func planDefects(d Defects, seed int64, sheets []sheet) (*defectPlanned, error) {
	p := &defectPlanned{missing: -1, corrupt: -1, stripes: make([][]Stripe, len(sheets))}
	// A stream of its own, so that asking for defects never changes the scene.
	r := rand.New(rand.NewPCG(uint64(seed), defectStream))
	order := r.Perm(len(sheets))
	need := 0
	if d.Missing {
		need++
	}
	if d.Corrupt {
		need++
	}
	if d.Stripes {
		need++
	}
	if need > len(sheets) {
		return nil, fmt.Errorf("defects %s need %d sheets, the scene has %d: use a larger extent or a smaller --sheet-km", d, need, len(sheets))
	}
	if d.Missing {
		p.missing, order = order[0], order[1:]
	}
	if d.Corrupt {
		p.corrupt, order = order[0], order[1:]
	}
	if d.Stripes {
		n := max(1, (2*len(order)+4)/5) // about 40 % of the remaining sheets
		for _, si := range order[:n] {
			w, h := sheets[si].dsmSize()
			p.stripes[si] = drawStripes(r, w, h)
		}
	}
	return p, nil
}

// drawStripes places 2–4 stripes in a DSM, one per horizontal band of the
// sheet: always one full-width nodata stripe and one full-width zero stripe,
// the others partial rows.
func drawStripes(r *rand.Rand, w, h int) []Stripe {
	n := 2 + r.IntN(3)
	band := h / n
	kinds := r.Perm(n)
	var out []Stripe
	for b, kind := range kinds {
		s := Stripe{Rows: 1 + r.IntN(3), Col: 0, Cols: w, Full: true, Value: DSMNoData}
		s.Rows = min(s.Rows, max(1, band-1))
		s.Row = b*band + r.IntN(max(1, band-s.Rows))
		switch kind {
		case 0:
		case 1:
			s.Value = 0
		default:
			s.Full = false
			s.Col = r.IntN(max(1, w/2))
			s.Cols = min(w-s.Col, max(1, w/5+r.IntN(max(1, w/2))))
			if r.IntN(2) == 0 {
				s.Value = 0
			}
		}
		out = append(out, s)
	}
	return out
}

// applyStripes overwrites the stripes' pixels of a w-wide DSM.
func applyStripes(vals []float32, w int, stripes []Stripe) {
	for _, s := range stripes {
		for row := s.Row; row < s.Row+s.Rows; row++ {
			line := vals[row*w+s.Col : row*w+s.Col+s.Cols]
			for k := range line {
				line[k] = float32(s.Value)
			}
		}
	}
}

// truncateHalf cuts a written file to half its size, the way an interrupted
// download leaves it, and returns both sizes.
func truncateHalf(path string) (before, after int64, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("corrupt %s: %w", path, err)
	}
	before = st.Size()
	after = before / 2
	if after == 0 {
		return 0, 0, errors.New("corrupt " + path + ": file is empty")
	}
	if err := os.Truncate(path, after); err != nil {
		return 0, 0, fmt.Errorf("corrupt %s: %w", path, err)
	}
	return before, after, nil
}
