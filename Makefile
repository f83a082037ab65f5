# The README's two commands: `make demo` and `make test`. Both set up the
# machine first (GDAL through apt-get when missing, Go modules).

GO ?= go
# Everything make builds and tests uses the Go workspace scripts/setup.sh
# writes: godal with its C memory zeroed (see internal/cgoheap).
export GOWORK := $(CURDIR)/.build/go.work
BIN := bin/cdflow
DEMO ?= demo
# -race multiplies cgo-heavy test time; the packages listed here run with it
# (the external-plugin tests build and run plugin programs: without -race).
RACE_PKGS ?= $(shell $(GO) list ./plugins/... ./raster/... 2>/dev/null | grep -v /plugins/external)
# make test also fuzzes the workflow decoder (any text, any nesting depth,
# any size), the LAS/LAZ reader (any header, any chunk) and the STAC JSON
# normalizer (any text, against decoding and encoding it); the corpora
# under testdata/fuzz run always. Each target runs a number of inputs
# (about 10 s on 2 CPUs), not a duration: Go 1.26's fuzzer can fail a
# -fuzztime duration with "context deadline exceeded" when a worker is
# busy as the time runs out (golang/go#75804, fixed in Go 1.27), which a
# count never races. FUZZTIME=30s (or 1000x) sets every target's budget.
FUZZTIME ?=
FUZZ_TARGETS := ./workflows:FuzzDecode:40000x ./workflows:FuzzDecodeDepth:3000x ./workflows:FuzzDecodeSize:1500x ./pointcloud:FuzzOpen:80000x ./pointcloud:FuzzDecode:50000x ./stac:FuzzNormalize:80000x

.PHONY: setup build demo test vet bench fmt clean

setup:
	@./scripts/setup.sh

build: setup
	$(GO) build -o $(BIN) ./cmd/cdflow

demo: build
	./scripts/demo.sh $(BIN) $(DEMO)

vet: setup
	$(GO) vet ./...

test: vet weed
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -count=1 -race $(RACE_PKGS)
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; budget=$${rest#*:}; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(if $(FUZZTIME),$(FUZZTIME),$$budget) $$pkg || exit 1; done

# bench: the Go benchmarks, then the harness (bench/): cdflow against the GDAL
# command-line pipeline and the I/O floor on 1, 4 and 20 km² scenes; it
# prints the table and writes bench/results.json. Then the label-quality
# table (scripts/label-quality.sh) on three seeds, with the ablation, and
# with a shift and bias injected, before and after correction. BENCH_FLAGS passes more
# flags, e.g. BENCH_FLAGS="-sizes 1x1,2x2 -runs 1".
BENCH_FLAGS ?=
# The release-stage simulation's sizes, in tiles (10⁶ needs about 18 GB of
# memory, 65 GB of disk and 16 M inodes: SCALE_TILES=10000,100000,1000000 where it fits).
SCALE_TILES ?= 10000,100000
# The label-quality table's seeds: never looked at while tuning the labels.
QUALITY_SEEDS ?= 101 202 303
bench: build
	CDFLOW_BENCH=1 ./scripts/setup.sh
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...
	$(GO) run ./bench -cdflow $(BIN) -out bench/results.json $(BENCH_FLAGS)
	@echo "the release stage (cdflow merge: gathering, statistics, split, publishing) of simulated national-scale runs:"
	$(GO) run ./bench/scale -cdflow $(BIN) -tiles $(SCALE_TILES) -out bench/scale.json
	@echo "label quality on 2x2 km scenes of seeds $(QUALITY_SEEDS), each part of the labelling added in turn:"
	@work=$$(mktemp -d) && export WORK=$$work CDFLOW=$(BIN) && \
	  ./scripts/label-quality.sh -e 2x2 $(QUALITY_SEEDS) && \
	  echo "from the point clouds (workflow-lidar.hcl):" && \
	  ./scripts/label-quality.sh -e 2x2 -f -w workflow-lidar.hcl $(QUALITY_SEEDS) && \
	  echo "with a 0.5 m shift and a 0.3 m bias in t1, uncorrected and corrected:" && \
	  ./scripts/label-quality.sh -e 2x2 -f -d shift=0.5,bias=0.3 $(QUALITY_SEEDS) && \
	  ./scripts/label-quality.sh -e 2x2 -f -c -d shift=0.5,bias=0.3 $(QUALITY_SEEDS) && \
	  rm -rf $$work

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin .build $(DEMO)

# The object-storage tests run against a real S3 server, SeaweedFS, built
# once from its own module (internal/s3test/weed, so cdflow does not depend
# on it) into bin/weed; rebuilt only when that module changes.
WEED := bin/weed
.PHONY: weed
weed: $(WEED)
$(WEED): internal/s3test/weed/go.mod internal/s3test/weed/go.sum
	cd internal/s3test/weed && GOWORK=off $(GO) build -o $(CURDIR)/$(WEED) github.com/seaweedfs/seaweedfs/weed

# test-slurm: cdflow's shards under a real scheduler. Installs slurm-wlm and
# munge with apt-get when missing, starts a single-node Slurm (munged,
# slurmctld, slurmd as root, configured in a temporary folder), submits a job
# array of `cdflow run --shard` and a dependent `cdflow merge` with
# examples/slurm/submit.sh, and checks the release is the single run's, byte
# for byte; stops the daemons it started. About 35 s warm.
.PHONY: test-slurm
test-slurm: build
	./scripts/test-slurm.sh $(BIN)

# image: the container image, built offline FROM scratch with buildah
# (installed with apt-get when missing): bin/cdflow, exactly its shared
# libraries, GDAL's and PROJ's data and the CA bundle; tagged
# localhost/cdflow:<version> and cdflow:latest, exported as the OCI archive
# bin/cdflow-image.tar. test-image runs the demo inside it (podman, else chroot).
.PHONY: image test-image
image: build
	./scripts/image.sh $(BIN) bin/cdflow-image.tar

test-image: image
	./scripts/test-image.sh bin/cdflow-image.tar $(BIN)
