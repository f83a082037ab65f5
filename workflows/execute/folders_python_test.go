package execute_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows/release"
)

// python is Debian's interpreter, where apt-get puts python3-tifffile,
// python3-imageio and python3-pil (scripts/setup.sh installs them).
const python = "/usr/bin/python3"

// readInPython reads every file given on stdin (a JSON list of paths) the
// way the 3DCD training code does, with plain tifffile (imagecodecs
// hidden, as on a machine without it), imageio and Pillow, and prints for
// each reader the array's dtype, shape and SHA-256 (bands first,
// little-endian), plus the TIFF's encoding and GeoTIFF tags as tifffile
// sees them.
const readInPython = `
import hashlib, json, sys, warnings
sys.modules["imagecodecs"] = None  # as without python3-imagecodecs
warnings.simplefilter("ignore")
import numpy, tifffile, PIL
from PIL import Image
try:
    import imageio.v2 as iio
except ImportError:
    import imageio as iio

def digest(read):
    try:
        a = numpy.asarray(read())
    except Exception as e:
        return {"error": "%s: %s" % (type(e).__name__, e)}
    d = {"dtype": a.dtype.name, "shape": list(a.shape)}
    if a.ndim == 3:
        a = a.transpose(2, 0, 1)
    a = numpy.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
    d["sha256"] = hashlib.sha256(a.tobytes()).hexdigest()
    return d

def pil(path):
    with Image.open(path) as im:
        return numpy.array(im)

def tags(path):
    with tifffile.TiffFile(path) as tf:
        p = tf.pages[0]
        geo = p.geotiff_tags or {}
        nodata = p.tags.get(42113)
        return {
            "compression": int(p.compression), "predictor": int(p.predictor),
            "tiled": bool(p.is_tiled), "planar": int(p.planarconfig),
            "scale": [float(v) for v in geo.get("ModelPixelScale", [])],
            "tiepoint": [float(v) for v in geo.get("ModelTiepoint", [])],
            "epsg": int(geo.get("ProjectedCSTypeGeoKey", geo.get("GeographicTypeGeoKey", 0))),
            "nodata": None if nodata is None else str(nodata.value),
        }

files = []
for path in json.load(sys.stdin):
    f = {"path": path,
         "imageio": digest(lambda: iio.imread(path)),
         "pil": digest(lambda: pil(path))}
    if path.endswith(".tif"):
        f["tifffile"] = digest(lambda: tifffile.imread(path))
        f["tiff"] = tags(path)
    files.append(f)
print(json.dumps({"versions": {"python": sys.version.split()[0], "tifffile": tifffile.__version__,
    "imageio": iio.__name__ + " " + getattr(sys.modules["imageio"], "__version__", "?"),
    "PIL": PIL.__version__, "numpy": numpy.__version__}, "files": files}))
`

type pyArray struct {
	Error  string `json:"error"`
	DType  string `json:"dtype"`
	Shape  []int  `json:"shape"`
	SHA256 string `json:"sha256"`
}

type pyFile struct {
	Path     string   `json:"path"`
	ImageIO  pyArray  `json:"imageio"`
	PIL      pyArray  `json:"pil"`
	TiffFile *pyArray `json:"tifffile"`
	TIFF     *struct {
		Compression, Predictor, Planar, EPSG int
		Tiled                                bool
		Scale, Tiepoint                      []float64
		NoData                               *string
	} `json:"tiff"`
}

// needPython fails, naming the fix, unless Debian's Python has the readers.
func needPython(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(python, "-c", "import numpy, tifffile, imageio, PIL").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import numpy, tifffile, imageio and PIL (Debian's python3-numpy, python3-tifffile, python3-imageio, python3-pil): run scripts/setup.sh (make test does): %v\n%s", python, err, out)
	}
}

// gdalRead is a file as GDAL reads it.
type gdalRead struct {
	sha256 string
	bands  int
	grid   raster.Grid
	hasND  bool
	nd     float64
}

func readAs[T raster.Pixel](t *testing.T, path string) gdalRead {
	t.Helper()
	img, err := raster.ReadFile[T](context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, b := range img.Bands {
		if err := binary.Write(h, binary.LittleEndian, b); err != nil {
			t.Fatal(err)
		}
	}
	return gdalRead{hex.EncodeToString(h.Sum(nil)), len(img.Bands), img.Grid, img.HasNoData, img.NoData}
}

// readGDAL reads a file as its product's data type.
func readGDAL(t *testing.T, path, dataType string) gdalRead {
	t.Helper()
	switch dataType {
	case "uint8":
		return readAs[uint8](t, path)
	case "int16":
		return readAs[int16](t, path)
	case "uint16":
		return readAs[uint16](t, path)
	case "int32":
		return readAs[int32](t, path)
	case "float32":
		return readAs[float32](t, path)
	case "float64":
		return readAs[float64](t, path)
	}
	t.Fatalf("%s: data type %q", path, dataType)
	return gdalRead{}
}

// pilReads says whether Pillow opens a TIFF of this type and band count:
// one band of most types, or 8-bit RGB(A).
func pilReads(dataType string, bands int) bool {
	if bands == 1 {
		return slices.Contains([]string{"uint8", "uint16", "int32", "float32"}, dataType)
	}
	return dataType == "uint8" && (bands == 3 || bands == 4)
}

const foldersBlocks = `
publish "folders" "years_tif" {
  path = "years-tif"
}
publish "folders" "years_png" {
  path   = "years-png"
  format = "png"
}
publish "folders" "custom_tif" {
  path     = "custom-tif"
  layout   = "custom"
  products = ["t0", "t1", "cd2d", "cd3d", "dh"]
}
publish "folders" "custom_png" {
  path     = "custom-png"
  layout   = "custom"
  format   = "png"
  products = ["t0", "t1", "cd2d", "cd3d", "dh"]
}
`

// Every file the folders publisher writes, in both formats and both
// layouts, reads with Debian's plain tifffile (no imagecodecs), imageio and
// Pillow as the 3DCD training code reads it, with exactly GDAL's values;
// the GeoTIFFs keep the product's georeferencing and nodata, and the run
// writes exactly the files plan lists.
func TestFoldersReadWithPlainPython(t *testing.T) {
	needPython(t)
	ctx := context.Background()
	pl := plan(t, sceneDir(t), thresholdOnly+foldersBlocks)
	out, res := run(t, pl, 2)
	sum, err := release.Finish(ctx, pl, res)
	if err != nil {
		t.Fatal(err)
	}
	rel := mustAssemble(t, pl, res, sum, out)
	if _, err := release.Publish(ctx, pl, rel); err != nil {
		t.Fatal(err)
	}

	// The layouts, written out: the 3DCD quadruplet's folders, other
	// products under their names; PNG for the 8-bit products.
	folders := map[string]map[string]string{
		"years":  {"t0": "2010", "t1": "2017", "cd2d": "2D", "cd3d": "3D"},
		"custom": {"t0": "t1", "t1": "t2", "cd2d": "2dcd", "cd3d": "3dcd", "dh": "dh"},
	}
	type written struct {
		asset plugins.Asset
		src   string
	}
	want := map[string]written{} // path relative to out → its product
	for _, pb := range pl.Publish {
		layout, format, _ := strings.Cut(pb.Name, "_")
		planned := map[string]bool{}
		for _, tile := range rel.Tiles {
			for _, p := range pb.Paths {
				planned[strings.NewReplacer("{split}", tile.Stats.Split, "{tile}", tile.ID).Replace(p)] = true
			}
			for _, a := range tile.Assets {
				folder, ok := folders[layout][a.Name]
				if a.Preview || !ok {
					continue
				}
				ext := ".tif"
				if format == "png" && a.DataType == "uint8" {
					ext = ".png"
				}
				rp := filepath.ToSlash(filepath.Join(strings.ReplaceAll(pb.Name, "_", "-"), tile.Stats.Split, folder, tile.ID+ext))
				want[rp] = written{a, rel.Path(a.Path)}
				if !planned[rp] {
					t.Errorf("plan does not list %s (%s)", rp, strings.Join(pb.Paths, ", "))
				}
			}
		}
		if n := len(planned); n != len(folders[layout])*len(rel.Tiles) {
			t.Errorf("%s: plan lists %d files, want %d", pb.Name, n, len(folders[layout])*len(rel.Tiles))
		}
	}
	var paths []string
	err = filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		r, _ := filepath.Rel(out, p)
		r = filepath.ToSlash(r)
		top, _, _ := strings.Cut(r, "/")
		if !slices.Contains([]string{"years-tif", "years-png", "custom-tif", "custom-png"}, top) {
			return nil
		}
		if _, ok := want[r]; !ok {
			t.Errorf("folders wrote %s, which the layout does not hold", r)
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != len(want) || len(rel.Tiles) < 20 {
		t.Fatalf("%d files written for %d tiles, want %d", len(paths), len(rel.Tiles), len(want))
	}

	stdin, _ := json.Marshal(paths)
	cmd := exec.Command(python, "-c", readInPython)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.Bytes())
	}
	var py struct {
		Versions map[string]string
		Files    []pyFile
	}
	if err := json.Unmarshal(stdout, &py); err != nil {
		t.Fatalf("python's output: %v\n%.500s", err, stdout)
	}
	t.Logf("read %d files with %v", len(py.Files), py.Versions)
	if len(py.Files) != len(paths) {
		t.Fatalf("python read %d files of %d", len(py.Files), len(paths))
	}

	counts := map[string]int{}
	for _, f := range py.Files {
		r, _ := filepath.Rel(out, f.Path)
		w := want[filepath.ToSlash(r)]
		dt := w.asset.DataType
		got := readGDAL(t, f.Path, dt)
		src := readGDAL(t, w.src, dt)
		// The values are the product's, the pixels' bits included.
		if got.sha256 != src.sha256 || got.bands != src.bands {
			t.Errorf("%s: GDAL reads other values than the run's %s", r, w.src)
		}
		shape := []int{got.grid.Height, got.grid.Width}
		if got.bands > 1 {
			shape = append(shape, got.bands)
		}
		check := func(reader string, a *pyArray) {
			t.Helper()
			switch {
			case a == nil:
				t.Errorf("%s: not read with %s", r, reader)
			case a.Error != "":
				t.Errorf("%s: %s: %s", r, reader, a.Error)
			case a.DType != dt || !slices.Equal(a.Shape, shape):
				t.Errorf("%s: %s reads %s %v, want %s %v", r, reader, a.DType, a.Shape, dt, shape)
			case a.SHA256 != got.sha256:
				t.Errorf("%s: %s reads other values than GDAL", r, reader)
			default:
				counts[reader]++
			}
		}
		check("imageio", &f.ImageIO)
		if filepath.Ext(f.Path) == ".png" {
			check("PIL", &f.PIL)
			continue
		}
		check("tifffile", f.TiffFile)
		if pilReads(dt, got.bands) {
			check("PIL", &f.PIL)
		}
		// The encoding plain readers decode: DEFLATE strips, pixel-
		// interleaved, no floating-point predictor (3, which tifffile
		// needs imagecodecs for); the GeoTIFF tags are the product's.
		tf := f.TIFF
		if tf == nil {
			t.Fatalf("%s: no TIFF tags", r)
		}
		predictor := 2
		if strings.HasPrefix(dt, "float") {
			predictor = 1
		}
		if tf.Compression != 8 || tf.Predictor != predictor || tf.Tiled || tf.Planar != 1 {
			t.Errorf("%s: compression %d, predictor %d, tiled %v, planar %d; want 8 (DEFLATE), %d, strips, 1 (contiguous)", r, tf.Compression, tf.Predictor, tf.Tiled, tf.Planar, predictor)
		}
		gt := got.grid.GeoTransform
		if gt != src.grid.GeoTransform || got.grid.CRS.EPSG != src.grid.CRS.EPSG || got.grid.CRS.EPSG == 0 {
			t.Errorf("%s: grid %v EPSG:%d, the product's %v EPSG:%d", r, gt, got.grid.CRS.EPSG, src.grid.GeoTransform, src.grid.CRS.EPSG)
		}
		if !slices.Equal(tf.Scale, []float64{gt[1], -gt[5], 0}) || !slices.Equal(tf.Tiepoint, []float64{0, 0, 0, gt[0], gt[3], 0}) || tf.EPSG != got.grid.CRS.EPSG {
			t.Errorf("%s: tifffile's GeoTIFF tags: scale %v, tiepoint %v, EPSG %d; GDAL's geotransform %v, EPSG %d", r, tf.Scale, tf.Tiepoint, tf.EPSG, gt, got.grid.CRS.EPSG)
		}
		if got.hasND != src.hasND || math.Float64bits(got.nd) != math.Float64bits(src.nd) {
			t.Errorf("%s: nodata %v %v, the product's %v %v", r, got.hasND, got.nd, src.hasND, src.nd)
		}
		switch {
		case !got.hasND && tf.NoData != nil:
			t.Errorf("%s: GDAL_NODATA %q in a file without nodata", r, *tf.NoData)
		case got.hasND && tf.NoData == nil:
			t.Errorf("%s: no GDAL_NODATA tag, GDAL's nodata %v", r, got.nd)
		case got.hasND:
			v, err := strconv.ParseFloat(strings.TrimSpace(*tf.NoData), 64)
			if err != nil || !(v == got.nd || math.IsNaN(v) && math.IsNaN(got.nd)) {
				t.Errorf("%s: GDAL_NODATA %q, GDAL's nodata %v", r, *tf.NoData, got.nd)
			}
		}
	}
	t.Logf("files read with GDAL's values: %v", counts)
}

// sameValues reports whether two rasters hold the same data type, pixels
// (bit for bit), grid, CRS and nodata, as GDAL reads them.
func sameValues(t *testing.T, a, b string) bool {
	t.Helper()
	ia, err := raster.Inspect(context.Background(), []string{a}, raster.MosaicOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ib, err := raster.Inspect(context.Background(), []string{b}, raster.MosaicOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ia.DataType != ib.DataType {
		return false
	}
	x, y := readGDAL(t, a, ia.DataType), readGDAL(t, b, ib.DataType)
	return x.sha256 == y.sha256 && x.bands == y.bands && x.grid.GeoTransform == y.grid.GeoTransform &&
		x.grid.CRS.Same(y.grid.CRS) && x.hasND == y.hasND && math.Float64bits(x.nd) == math.Float64bits(y.nd)
}
