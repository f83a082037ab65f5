package execute

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/internal/filehash"
	"github.com/cdflow/cdflow/workflows/plans"

	"github.com/cdflow/cdflow/internal/buildinfo"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

// A tile is finished when its manifest is written, after all its products:
// it records the cache key of every step and the tile's result. A rerun
// skips a tile whose keys all match (and whose files are there); when only
// some steps changed, the unchanged ones run again in memory to feed the
// changed ones but their files are not rewritten.
//
// A step's key hashes everything its output depends on, as the go command's
// build cache does: the software versions, the tile and its halo, the
// step's plugin, name, configuration and outputs (and the halo, for a step
// that looks beyond the tile), and the keys of its
// inputs — a source's key being the identity (path, size, modification
// time) of its files. Any new input of a step must go into its key.
const manifestName = "manifest.json"

type manifest struct {
	Format int
	Keys   map[string]string // step address → key
	Result TileResult
}

const manifestFormat = 3

// sourceKeys hashes the identity of every source's files once per run.
func sourceKeys(plan *plans.Plan) (map[string]string, error) {
	keys := map[string]string{}
	for _, ps := range plan.Sources {
		h := sha256.New()
		fmt.Fprintf(h, "source %s\n", ps.Address())
		if ps.NoData != nil {
			fmt.Fprintf(h, "nodata %v\n", *ps.NoData)
		}
		if ps.Kind.IsPoints() {
			fmt.Fprintf(h, "points crs %q classes %v exclude %v returns %q\n", ps.CRS, ps.Classes, ps.ExcludeClasses, ps.Returns)
		}
		files := append([]string(nil), ps.Files...)
		slices.Sort(files)
		for _, f := range files {
			size, mtime, err := raster.Stat(f)
			if err != nil {
				return nil, fmt.Errorf("source %s: %w", ps.Address(), err)
			}
			abs := f
			if !strings.HasPrefix(f, "/vsi") {
				abs, _ = filepath.Abs(f)
			}
			fmt.Fprintf(h, "file %s %d %d\n", abs, size, mtime.UnixNano())
		}
		keys[ps.Address().String()] = hex.EncodeToString(h.Sum(nil))
	}
	return keys, nil
}

// stepKeys returns the key of every per-tile step on one tile.
func (ex *executor) stepKeys(tile plans.Tile) (map[string]string, error) {
	keys := map[string]string{}
	for _, bs := range ex.steps {
		h := sha256.New()
		fmt.Fprintf(h, "cdflow %s gdal %s cache %d\n", buildinfo.Version(), raster.GDALVersion(), manifestFormat)
		fmt.Fprintf(h, "tile %s %v crs %s\n", tile.ID, tile.Extent, ex.plan.Grid.CRS.WKT)
		// Written products are cropped to the tile, so the halo matters only
		// to steps that look beyond it (and, through their keys, to the
		// steps after them).
		if _, ok := bs.runner.(plugins.HaloStep); ok {
			fmt.Fprintf(h, "halo %v\n", ex.halo)
		}
		if v, ok := bs.runner.(plugins.Versioned); ok {
			fmt.Fprintf(h, "version %s\n", v.Version())
		}
		cfg, err := json.Marshal(bs.step.Impl.Config())
		if err != nil {
			return nil, fmt.Errorf("step %s: configuration: %w", bs.step.Address(), err)
		}
		outs, _ := json.Marshal(bs.step.Outputs)
		fmt.Fprintf(h, "step %s\nconfig %s\noutputs %s\n", bs.step.Address(), cfg, outs)
		var names []string
		for name := range bs.inputs {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			ref := bs.inputs[name]
			if ref.source != nil {
				addr := ref.source.Address().String()
				fmt.Fprintf(h, "input %s source %s\n", name, ex.sourceKeys[addr])
				// A correction a Preparer applies to the source changes what it reads.
				if off := ex.offsets[addr]; off != 0 {
					fmt.Fprintf(h, "offset %v\n", off)
				}
				if sh, ok := ex.shifts[addr]; ok && sh != [2]float64{} {
					fmt.Fprintf(h, "shift %v %v\n", sh[0], sh[1])
				}
			} else {
				fmt.Fprintf(h, "input %s step %s\n", name, keys[ref.from])
			}
		}
		keys[bs.step.Address().String()] = hex.EncodeToString(h.Sum(nil))
	}
	return keys, nil
}

// readManifest loads a tile's manifest; ok is false when there is none or
// it cannot be used (an interrupted or older run).
func readManifest(dir string) (*manifest, bool) {
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return nil, false
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != manifestFormat {
		return nil, false
	}
	return &m, true
}

// writeManifest marks a tile finished, atomically: written last, so a tile
// without one is redone whatever else it holds.
func writeManifest(dir string, m *manifest) error {
	// JSON, not gob: gob turns a pointer to zero (a dh_std of 0) into nil.
	buf, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode tile manifest: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, manifestName), buf); err != nil {
		return fmt.Errorf("tile manifest: %w", err)
	}
	return nil
}

// cleanSteps returns the steps whose key matches the manifest and whose
// product files are all there.
func (ex *executor) cleanSteps(m *manifest, keys map[string]string, out string) map[string]bool {
	clean := map[string]bool{}
	for _, bs := range ex.steps {
		addr := bs.step.Address().String()
		if m.Keys[addr] != keys[addr] {
			continue
		}
		ok := true
		for _, o := range bs.step.Outputs {
			a, has := assetOf(m.Result, o.Name)
			if !has || VerifyFile(filepath.Join(out, a.Path), a) != nil {
				ok = false
				break
			}
		}
		if ok {
			clean[addr] = true
		}
	}
	return clean
}

// complete reports whether every step is clean and the previews are as written.
func (ex *executor) complete(clean map[string]bool, m *manifest, out string) bool {
	if len(clean) != len(ex.steps) {
		return false
	}
	for _, a := range m.Result.Assets {
		if a.Preview && VerifyFile(filepath.Join(out, a.Path), a) != nil {
			return false
		}
	}
	return true
}

func assetOf(r TileResult, name string) (plugins.Asset, bool) {
	for _, a := range r.Assets {
		if a.Name == name {
			return a, true
		}
	}
	return plugins.Asset{}, false
}

// fileSum returns a file's size and SHA-256 (hex).
func fileSum(path string) (int64, string, error) {
	sum, n, err := filehash.SHA256(path)
	if err != nil {
		return 0, "", err // an *os.PathError: it names the file
	}
	return n, hex.EncodeToString(sum[:]), nil
}

// VerifyFile checks that a file is still what the run wrote: its size and
// SHA-256 as the asset records them.
func VerifyFile(path string, a plugins.Asset) error {
	n, sum, err := fileSum(path)
	switch {
	case err != nil:
		return err
	case a.SHA256 == "":
		return fmt.Errorf("%s: no checksum recorded (written by an older cdflow)", path)
	case n != a.Size || sum != a.SHA256:
		return fmt.Errorf("%s has %d bytes, SHA-256 %s, but the run wrote %d bytes, SHA-256 %s: it changed since", path, n, sum[:12], a.Size, a.SHA256[:min(12, len(a.SHA256))])
	}
	return nil
}
