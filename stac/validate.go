package stac

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	gostac "github.com/planetlabs/go-stac"
	// go-stac's validator installs the ECMA-262 regexp engine the STAC
	// schemas' lookahead patterns need, and the HTTP(S) schema loaders.
	_ "github.com/planetlabs/go-stac/validator"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/cdflow/cdflow/stac/extensions/file/v2"
	"github.com/cdflow/cdflow/stac/extensions/label/v1"
	"github.com/cdflow/cdflow/stac/extensions/mlaoi/v0"
	"github.com/cdflow/cdflow/stac/extensions/processing/v1"
	"github.com/cdflow/cdflow/stac/extensions/projection/v2"
	"github.com/cdflow/cdflow/stac/extensions/raster/v1"
	"github.com/cdflow/cdflow/stac/extensions/table/v1"
	"github.com/cdflow/cdflow/stac/extensions/version/v1"
)

// SchemaDirEnv names the environment variable holding the offline schema
// folder (laid out as HOST/PATH of each schema URL).
const SchemaDirEnv = "CDFLOW_STAC_SCHEMAS"

// modulePath identifies the cdflow module root when looking for the default
// schema folder beside it.
const modulePath = "github.com/cdflow/cdflow"

// DefaultSchemaDir returns the offline schema folder to use when none is
// given on the command line: $CDFLOW_STAC_SCHEMAS (explicit is then true),
// else ../shared/stac-schemas beside the cdflow module root that holds the
// working directory, if that folder exists, else "".
func DefaultSchemaDir(getenv func(string) string) (dir string, explicit bool) {
	if dir := getenv(SchemaDirEnv); dir != "" {
		return dir, true
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for d := wd; ; d = filepath.Dir(d) {
		if isModuleRoot(d) {
			candidate := filepath.Join(d, "..", "shared", "stac-schemas")
			if fi, err := os.Stat(candidate); err == nil && fi.IsDir() {
				return filepath.Clean(candidate), false
			}
			return "", false
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

func isModuleRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`) == modulePath
		}
	}
	return false
}

// requiredSchemas are the schema URLs a cdflow catalog needs: STAC core
// 1.1.0, the extensions cdflow writes and everything they $ref.
var requiredSchemas = func() []string {
	urls := []string{
		coreSchemaURL("catalog"),
		coreSchemaURL("collection"),
		coreSchemaURL("item"),
	}
	for _, name := range []string{"basics", "bands", "common", "data-values", "datetime", "instrument", "licensing", "provider"} {
		urls = append(urls, "https://schemas.stacspec.org/v"+Version+"/item-spec/json-schema/"+name+".json")
	}
	for _, ext := range []gostac.Extension{
		&file.Asset{}, &label.Item{}, &mlaoi.Item{}, &processing.Item{},
		&projection.Asset{}, &raster.Asset{}, &table.Asset{}, &version.Collection{},
	} {
		urls = append(urls, ext.URI())
	}
	return append(urls,
		"https://geojson.org/schema/Feature.json",
		"https://geojson.org/schema/Geometry.json",
		"https://proj.org/schemas/v0.7/projjson.schema.json",
		"http://json-schema.org/draft-07/schema",
	)
}()

func coreSchemaURL(kind string) string {
	return fmt.Sprintf("https://schemas.stacspec.org/v%s/%s-spec/json-schema/%s.json", Version, kind, kind)
}

// schemaPath maps a schema URL to its file in dir: http(s)://HOST/PATH is
// dir/HOST/PATH; query and fragment are dropped.
func schemaPath(dir, rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("offline STAC schemas: refusing %s: only http(s) schema URLs map to files", rawURL)
	}
	p := filepath.Join(dir, u.Host, filepath.FromSlash(u.Path))
	if rel, err := filepath.Rel(dir, p); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("offline STAC schemas: refusing %s: it maps outside %s", rawURL, dir)
	}
	return p, nil
}

// MissingSchemas lists, relative to dir, the schema files a cdflow catalog
// needs that dir lacks.
func MissingSchemas(dir string) []string {
	var missing []string
	for _, u := range requiredSchemas {
		p, err := schemaPath(dir, u)
		if err != nil {
			missing = append(missing, u)
			continue
		}
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			missing = append(missing, filepath.ToSlash(rel))
		}
	}
	return missing
}

// schemaSource is the process-wide choice of where schemas come from.
// jsonschema.LoadURL is a package global, so it is replaced once, and a
// second validator may not ask for a different source.
var schemaSource struct {
	once sync.Once
	dir  string
}

func useSchemaSource(dir string) error {
	schemaSource.once.Do(func() {
		schemaSource.dir = dir
		if dir == "" {
			return // go-stac's default loaders fetch over HTTP(S)
		}
		jsonschema.LoadURL = func(s string) (io.ReadCloser, error) {
			p, err := schemaPath(dir, s)
			if err != nil {
				return nil, err
			}
			f, err := os.Open(p)
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("offline STAC schemas: %s is not in %s (looked for %s)", s, dir, p)
			}
			return f, err
		}
	})
	if schemaSource.dir != dir {
		return fmt.Errorf("stac: schemas already come from %s in this process; cannot switch to %s",
			describeSource(schemaSource.dir), describeSource(dir))
	}
	return nil
}

func describeSource(dir string) string {
	if dir == "" {
		return "the network"
	}
	return dir
}

// Validator validates STAC catalogs against the official JSON schemas: the
// core schema of each object's stac_version and the schema of every entry
// of its stac_extensions. It compiles each schema once.
//
// It does what go-stac's validator does for one object, without its
// crawler: that stops at the first invalid object (a release should list
// them all) and compiles schemas per call in ValidateBytes.
type Validator struct {
	schemaDir string

	// SkipAssets leaves the assets' files unchecked; by default every asset
	// with a file:checksum or file:size must have a file that matches them.
	SkipAssets bool

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
	failed   map[string]error
}

// NewValidator returns a validator reading schemas from schemaDir (laid out
// as HOST/PATH of each schema URL, see ../shared/stac-schemas), never from
// the network; a URL with no file there fails validation of the object that
// needs it. An empty schemaDir fetches schemas over HTTP(S) instead.
//
// The schema source is global to the process: once one validator has been
// made, asking for another source is an error.
func NewValidator(schemaDir string) (*Validator, error) {
	if schemaDir != "" {
		abs, err := filepath.Abs(schemaDir)
		if err != nil {
			return nil, fmt.Errorf("stac: schema folder %s: %w", schemaDir, err)
		}
		schemaDir = abs
		if fi, err := os.Stat(schemaDir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("stac: schema folder %s does not exist; it should hold %d schema files such as %s (set --schemas or %s)",
				schemaDir, len(requiredSchemas), strings.TrimPrefix(coreSchemaURL("item"), "https://"), SchemaDirEnv)
		}
		if missing := MissingSchemas(schemaDir); len(missing) > 0 {
			return nil, fmt.Errorf("stac: schema folder %s lacks %d of the schema files cdflow needs: %s",
				schemaDir, len(missing), strings.Join(missing, ", "))
		}
	}
	if err := useSchemaSource(schemaDir); err != nil {
		return nil, err
	}
	return &Validator{
		schemaDir: schemaDir,
		compiler:  jsonschema.NewCompiler(),
		schemas:   map[string]*jsonschema.Schema{},
		failed:    map[string]error{},
	}, nil
}

// schema compiles the schema at url once; failures are remembered too, so a
// missing extension schema is reported per object without retrying.
func (v *Validator) schema(url string) (*jsonschema.Schema, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if s, ok := v.schemas[url]; ok {
		return s, nil
	}
	if err, ok := v.failed[url]; ok {
		return nil, err
	}
	s, err := v.compiler.Compile(url)
	if err != nil {
		v.failed[url] = err
		return nil, err
	}
	v.schemas[url] = s
	return s, nil
}

// SchemaDir returns the absolute offline schema folder, or "" when online.
func (v *Validator) SchemaDir() string {
	return v.schemaDir
}

// Invalid is one problem found in one object.
type Invalid struct {
	// Path is the object's file, joined to the root path as given.
	Path string
	// Rule is the failing schema keyword as an absolute schema location
	// (https://…/schema.json#/definitions/…/enum), or a short name for
	// problems found before schema validation: json, link, self-contained,
	// stac_version, type, schema (a schema that could not be loaded).
	Rule    string
	Message string
	// Unchecked marks a schema that could not be loaded (offline folder
	// without it, no network): the object was not checked against it,
	// which is not the same as failing it.
	Unchecked bool
}

func (i Invalid) String() string {
	return i.Path + ": " + i.Rule + ": " + i.Message
}

// Report is the outcome of validating a catalog tree.
type Report struct {
	// Objects is the number of objects reached, including linked files that
	// turned out missing or unreadable.
	Objects int
	// Invalid lists the problems in visiting order.
	Invalid []Invalid
	// Assets counts the assets whose file is missing or changed.
	Assets int
}

// InvalidObjects counts the objects with at least one problem.
func (r *Report) InvalidObjects() int {
	paths := map[string]bool{}
	for _, i := range r.Invalid {
		paths[i.Path] = true
	}
	return len(paths)
}

// UncheckedObjects counts the objects whose only problems are schemas that
// could not be loaded: neither valid nor shown invalid.
func (r *Report) UncheckedObjects() int {
	only := map[string]bool{}
	for _, i := range r.Invalid {
		if prev, seen := only[i.Path]; !seen || prev {
			only[i.Path] = i.Unchecked
		}
	}
	n := 0
	for _, u := range only {
		if u {
			n++
		}
	}
	return n
}

// ValidateTree validates every object reachable from the root catalog
// through child and item links and returns the problems found. An error
// means validation itself could not run (root unreadable, context done).
func (v *Validator) ValidateTree(ctx context.Context, rootCatalogPath string) ([]Invalid, error) {
	r, err := v.Validate(ctx, rootCatalogPath)
	if err != nil {
		return nil, err
	}
	return r.Invalid, nil
}

// Validate is ValidateTree that also counts the objects. root is a
// catalog.json (or any STAC object) or a folder holding catalog.json.
func (v *Validator) Validate(ctx context.Context, root string) (*Report, error) {
	if fi, err := os.Stat(root); err == nil && fi.IsDir() {
		root = filepath.Join(root, "catalog.json")
	}
	if _, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("stac: validate: %w", err)
	}
	type pending struct {
		path     string
		from     string // the object linking here; "" for the root
		relation string
	}
	report := &Report{}
	// An absolute published catalog (every href a URL under the URL the
	// root is served at, as its self link says) is walked on disk by
	// mapping that base URL to the root's folder.
	base, err := absoluteBase(root)
	if err != nil {
		return nil, err
	}
	rootDir, _ := filepath.Abs(filepath.Dir(root))
	queue := []pending{{path: filepath.Clean(root)}}
	seen := map[string]bool{}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := queue[0]
		queue = queue[1:]
		abs, err := filepath.Abs(p.path)
		if err != nil {
			return nil, fmt.Errorf("stac: validate %s: %w", p.path, err)
		}
		if seen[abs] {
			continue
		}
		seen[abs] = true
		report.Objects++

		data, err := os.ReadFile(abs)
		if err != nil {
			if p.from == "" {
				return nil, fmt.Errorf("stac: validate: %w", err)
			}
			var pathErr *fs.PathError
			if errors.As(err, &pathErr) {
				err = pathErr.Err // the path is already in the report
			}
			report.Invalid = append(report.Invalid, Invalid{Path: p.path, Rule: "link",
				Message: fmt.Sprintf("%s link from %s: %v", p.relation, p.from, err)})
			continue
		}
		var object map[string]any
		if err := json.Unmarshal(data, &object); err != nil {
			report.Invalid = append(report.Invalid, Invalid{Path: p.path, Rule: "json", Message: err.Error()})
			continue
		}
		for _, problem := range v.validateObject(object) {
			problem.Path = p.path
			report.Invalid = append(report.Invalid, problem)
		}
		if !v.SkipAssets {
			for _, problem := range checkAssets(object, filepath.Dir(p.path), base, rootDir) {
				problem.Path = p.path
				report.Invalid = append(report.Invalid, problem)
				report.Assets++
			}
		}

		links, _ := object["links"].([]any)
		for _, l := range links {
			link, _ := l.(map[string]any)
			rel, _ := link["rel"].(string)
			href, _ := link["href"].(string)
			if !structuralRels[rel] || href == "" {
				continue
			}
			target := ""
			if u, err := url.Parse(href); err != nil || u.IsAbs() || u.Host != "" || strings.HasPrefix(href, "/") {
				rest, ok := strings.CutPrefix(href, base)
				if base == "" || !ok {
					msg := fmt.Sprintf("%s link %q is not a relative path, so the catalog breaks when moved", rel, href)
					if base != "" {
						msg = fmt.Sprintf("%s link %q is not under the catalog's base URL %s", rel, href, base)
					}
					report.Invalid = append(report.Invalid, Invalid{Path: p.path, Rule: "self-contained", Message: msg})
					continue
				}
				target = filepath.Join(rootDir, filepath.FromSlash(strings.SplitN(rest, "#", 2)[0]))
			} else {
				target = filepath.Join(filepath.Dir(p.path), filepath.FromSlash(strings.SplitN(href, "#", 2)[0]))
			}
			if rel == "child" || rel == "item" {
				queue = append(queue, pending{path: target, from: p.path, relation: rel})
			}
		}
	}
	return report, nil
}

// absoluteBase returns the URL the catalog's root is served at when the
// root has an absolute self link ("" for a relative catalog), ending in /.
func absoluteBase(root string) (string, error) {
	data, err := os.ReadFile(root)
	if err != nil {
		return "", fmt.Errorf("stac: validate: %w", err)
	}
	var doc struct {
		Links []struct{ Rel, Href string } `json:"links"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return "", nil // reported as invalid JSON by the walk
	}
	for _, l := range doc.Links {
		if u, err := url.Parse(l.Href); l.Rel == "self" && err == nil && u.IsAbs() {
			return l.Href[:strings.LastIndex(l.Href, "/")+1], nil
		}
	}
	return "", nil
}

// checkAssets checks every asset's file against its file:size and
// file:checksum: a published release must be exactly what was computed.
func checkAssets(object map[string]any, dir, base, rootDir string) []Invalid {
	assets, _ := object["assets"].(map[string]any)
	var out []Invalid
	for _, key := range slices.Sorted(maps.Keys(assets)) {
		a, _ := assets[key].(map[string]any)
		href, _ := a["href"].(string)
		want, hasSum := a["file:checksum"].(string)
		size, hasSize := a["file:size"].(float64)
		if href == "" || !hasSum && !hasSize {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(href))
		if u, err := url.Parse(href); err == nil && u.IsAbs() {
			rest, ok := strings.CutPrefix(href, base)
			if base == "" || !ok {
				continue // elsewhere: not this catalog's to check
			}
			path = filepath.Join(rootDir, filepath.FromSlash(rest))
		}
		got, n, err := ChecksumFile(path)
		switch {
		case err != nil:
			out = append(out, Invalid{Rule: "asset", Message: fmt.Sprintf("asset %s: %v", key, unwrapPath(err))})
		case hasSize && float64(n) != size:
			out = append(out, Invalid{Rule: "asset", Message: fmt.Sprintf("asset %s: %s has %d bytes, file:size says %.0f: the file changed after publishing", key, href, n, size)})
		case hasSum && got != want:
			out = append(out, Invalid{Rule: "asset", Message: fmt.Sprintf("asset %s: %s does not match its file:checksum: the file changed after publishing", key, href)})
		}
	}
	return out
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// structuralRels are the links that hold a catalog together; they must be
// relative for the folder to work wherever it is copied. Others (license,
// version links to elsewhere) may point anywhere.
var structuralRels = map[string]bool{"root": true, "parent": true, "collection": true, "child": true, "item": true}

// validateObject checks one parsed object against its core schema and each
// extension schema, one problem per failing schema. Problems carry no Path.
func (v *Validator) validateObject(object map[string]any) []Invalid {
	version, _ := object["stac_version"].(string)
	if version == "" {
		return []Invalid{{Rule: "stac_version", Message: "missing or not a string"}}
	}
	kinds := map[any]string{"Catalog": "catalog", "Collection": "collection", "Feature": "item"}
	kind, ok := kinds[object["type"]]
	if !ok {
		return []Invalid{{Rule: "type", Message: fmt.Sprintf("type %v is not Catalog, Collection or Feature", object["type"])}}
	}
	urls := []string{fmt.Sprintf("https://schemas.stacspec.org/v%s/%s-spec/json-schema/%s.json", version, kind, kind)}
	var problems []Invalid
	extensions, _ := object["stac_extensions"].([]any)
	for _, e := range extensions {
		u, _ := e.(string)
		if parsed, err := url.Parse(u); err != nil || !parsed.IsAbs() {
			problems = append(problems, Invalid{Rule: "stac_extensions", Message: fmt.Sprintf("%v is not a schema URL", e)})
			continue
		}
		urls = append(urls, u)
	}
	for _, u := range urls {
		s, err := v.schema(u)
		if err != nil {
			problems = append(problems, Invalid{Rule: "schema", Message: fmt.Sprintf("cannot load %s: %v", u, err), Unchecked: true})
			continue
		}
		err = s.Validate(object)
		if err == nil {
			continue
		}
		var invalid *jsonschema.ValidationError
		if !errors.As(err, &invalid) {
			problems = append(problems, Invalid{Rule: "schema", Message: fmt.Sprintf("%s: %v", u, err)})
			continue
		}
		leaf := failingRule(invalid)
		where := leaf.InstanceLocation
		if where == "" {
			where = "/"
		}
		problems = append(problems, Invalid{Rule: leaf.AbsoluteKeywordLocation, Message: "at " + where + ": " + leaf.Message})
	}
	return problems
}

// failingRule picks the error to show from a validation error tree. The
// STAC schemas branch on "type" with oneOf/anyOf, so an item also fails the
// collection branch; those branches are dropped first. Of the leaves left,
// it prefers one that fails whatever alternative the object meant (fewest
// anyOf/oneOf with several live branches above it), then the deepest in
// the instance, then the first.
func failingRule(root *jsonschema.ValidationError) *jsonschema.ValidationError {
	best, bestAlts, bestDepth := root, -1, -1
	var walk func(e *jsonschema.ValidationError, alts int)
	walk = func(e *jsonschema.ValidationError, alts int) {
		if len(e.Causes) == 0 {
			depth := strings.Count(e.InstanceLocation, "/")
			if bestAlts < 0 || alts < bestAlts || (alts == bestAlts && depth > bestDepth) {
				best, bestAlts, bestDepth = e, alts, depth
			}
			return
		}
		causes := e.Causes
		if strings.HasSuffix(e.KeywordLocation, "/oneOf") || strings.HasSuffix(e.KeywordLocation, "/anyOf") {
			var matching []*jsonschema.ValidationError
			for _, c := range causes {
				if !failsOnType(c) {
					matching = append(matching, c)
				}
			}
			if len(matching) > 0 {
				causes = matching
			}
			if len(causes) > 1 {
				alts++
			}
		}
		for _, c := range causes {
			walk(c, alts)
		}
	}
	walk(root, 0)
	return best
}

// failsOnType reports whether a branch rejected the object's "type" member.
func failsOnType(e *jsonschema.ValidationError) bool {
	if e.InstanceLocation == "/type" && strings.HasSuffix(e.KeywordLocation, "/const") {
		return true
	}
	for _, c := range e.Causes {
		if failsOnType(c) {
			return true
		}
	}
	return false
}
