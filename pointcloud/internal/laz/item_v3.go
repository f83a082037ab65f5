package laz

import (
	"encoding/binary"

	"github.com/cdflow/cdflow/pointcloud/internal/laz/arith"
)

// Layered (LASzip compressor 3, "LAS 1.4 native") item decoders, version
// 3: POINT14, RGB14, RGBNIR14 and BYTE14. Each attribute group has its own
// arithmetic-coded layer so a layer that never changes in a chunk costs
// nothing. Models are kept per scanner channel ("context"): the POINT14
// decoder sets the context and the other items follow it.

type layeredItem interface {
	size() int
	numLayers() int
	// first takes the chunk's raw first record; POINT14 sets *ctx.
	first(raw []byte, ctx *int)
	// setLayers hands over the layer bytes; an empty layer means the
	// attribute is constant in the chunk.
	setLayers(layers [][]byte)
	decode(out []byte, ctx *int)
	failed() bool
}

// p14 is the decoded state of one LAS 1.4 point record.
type p14 struct {
	x, y, z    int32
	intensity  uint16
	r, n       uint8 // return number, number of returns (4 bits each)
	classFlags uint8 // 4 bits
	channel    uint8
	scanDir    uint8
	edge       uint8
	class      uint8
	userData   uint8
	scanAngle  int16
	sourceID   uint16
	gps        int64 // bit pattern of the float64 GPS time
	gpsChange  bool
}

func readP14(b []byte) p14 {
	le := binary.LittleEndian
	return p14{
		x: int32(le.Uint32(b)), y: int32(le.Uint32(b[4:])), z: int32(le.Uint32(b[8:])),
		intensity:  le.Uint16(b[12:]),
		r:          b[14] & 15,
		n:          b[14] >> 4,
		classFlags: b[15] & 15,
		channel:    (b[15] >> 4) & 3,
		scanDir:    (b[15] >> 6) & 1,
		edge:       b[15] >> 7,
		class:      b[16],
		userData:   b[17],
		scanAngle:  int16(le.Uint16(b[18:])),
		sourceID:   le.Uint16(b[20:]),
		gps:        int64(le.Uint64(b[22:])),
	}
}

func (p *p14) write(b []byte) {
	le := binary.LittleEndian
	_ = b[29]
	le.PutUint32(b, uint32(p.x))
	le.PutUint32(b[4:], uint32(p.y))
	le.PutUint32(b[8:], uint32(p.z))
	le.PutUint16(b[12:], p.intensity)
	b[14] = p.r&15 | p.n<<4
	b[15] = p.classFlags&15 | (p.channel&3)<<4 | (p.scanDir&1)<<6 | p.edge<<7
	b[16] = p.class
	b[17] = p.userData
	le.PutUint16(b[18:], uint16(p.scanAngle))
	le.PutUint16(b[20:], p.sourceID)
	le.PutUint64(b[22:], uint64(p.gps))
}

type p14Context struct {
	unused bool
	last   p14

	lastIntensity [8]uint16
	xMedian       [12]Median5
	yMedian       [12]Median5
	lastZ         [8]int32

	changed        [8]*arith.Model
	scannerChannel *arith.Model
	numReturns     [16]*arith.Model
	returnNumber   [16]*arith.Model
	returnGPSSame  *arith.Model
	class          [64]*arith.Model
	flags          [64]*arith.Model
	userData       [64]*arith.Model
	gpsMulti       *arith.Model
	gpsZeroDiff    *arith.Model

	icDX, icDY, icZ, icIntensity, icScanAngle, icSourceID, icGPS *arith.IntDecoder

	gpsLast, gpsNext int
	gpsTimes         [4]int64
	gpsDiffs         [4]int32
	gpsExtreme       [4]int32
}

// POINT14's GPS code points: no "unchanged" code (see decodeGPS).
const (
	GPS14CodeFull = GPSMulti - GPSMultiMinus + 1
	GPS14Total    = GPSMulti - GPSMultiMinus + 5
)

func newP14Context(last *p14, a *arith.Arena) *p14Context {
	c := &p14Context{
		last:           *last,
		scannerChannel: a.Get(3),
		returnGPSSame:  a.Get(13),
		gpsMulti:       a.Get(GPS14Total),
		gpsZeroDiff:    a.Get(5),
		icDX:           a.IntDecoder(32, 2),
		icDY:           a.IntDecoder(32, 22),
		icZ:            a.IntDecoder(32, 20),
		icIntensity:    a.IntDecoder(16, 4),
		icScanAngle:    a.IntDecoder(16, 2),
		icSourceID:     a.IntDecoder(16, 1),
		icGPS:          a.IntDecoder(32, 9),
	}
	c.last.gpsChange = false
	for i := range c.changed {
		c.changed[i] = a.Get(128)
	}
	for i := range c.xMedian {
		c.xMedian[i] = NewMedian5()
		c.yMedian[i] = NewMedian5()
	}
	for i := range c.lastZ {
		c.lastZ[i] = last.z
		c.lastIntensity[i] = last.intensity
	}
	c.gpsTimes[0] = last.gps
	return c
}

// Layer order of POINT14 in the chunk.
const (
	LayerXY = iota
	LayerZ
	LayerClass
	LayerFlags
	LayerIntensity
	LayerScanAngle
	LayerUserData
	LayerSourceID
	LayerGPS
	P14Layers
)

type point14v3 struct {
	dec     [P14Layers]arith.Decoder
	present [P14Layers]bool
	ctx     [4]*p14Context
	current int
	// v4 streams always report the current channel to the other items;
	// v3 only when it changes (a LASzip quirk we must reproduce).
	v4    bool
	arena *arith.Arena
}

func (p *point14v3) size() int      { return 30 }
func (p *point14v3) numLayers() int { return P14Layers }

func (p *point14v3) first(raw []byte, ctx *int) {
	pt := readP14(raw)
	p.ctx = [4]*p14Context{}
	p.current = int(pt.channel)
	*ctx = p.current
	p.ctx[p.current] = newP14Context(&pt, p.arena)
}

func (p *point14v3) setLayers(layers [][]byte) {
	for i := range p.dec {
		p.present[i] = len(layers[i]) > 0
		if p.present[i] || i == LayerXY {
			p.dec[i].Init(layers[i])
		}
	}
}

func (p *point14v3) failed() bool {
	for i := range p.dec {
		if (p.present[i] || i == LayerXY) && p.dec[i].Failed() {
			return true
		}
	}
	return false
}

func (p *point14v3) decode(out []byte, ctxOut *int) {
	dxy := &p.dec[LayerXY]
	c := p.ctx[p.current]
	lpr := 0
	if c.last.r == 1 {
		lpr = 1
	}
	if c.last.r >= c.last.n {
		lpr += 2
	}
	if c.last.gpsChange {
		lpr += 4
	}
	changed := d(dxy, c.changed[lpr])

	if changed&(1<<6) != 0 {
		diff := d(dxy, c.scannerChannel)
		ch := (p.current + int(diff) + 1) % 4
		if p.ctx[ch] == nil {
			p.ctx[ch] = newP14Context(&c.last, p.arena)
		}
		p.current = ch
		*ctxOut = ch
		c = p.ctx[ch]
		c.last.channel = uint8(ch)
	}
	if p.v4 {
		*ctxOut = p.current
	}
	sourceChange := changed&(1<<5) != 0
	gpsChange := changed&(1<<4) != 0
	scanAngleChange := changed&(1<<3) != 0
	gpsBit := 0
	if gpsChange {
		gpsBit = 1
	}
	last := &c.last

	n := last.n
	if changed&(1<<2) != 0 {
		n = uint8(d(dxy, p.arena.Lazy(&c.numReturns[last.n], 16)))
		last.n = n
	}
	var r uint8
	switch changed & 3 {
	case 0:
		r = last.r
	case 1:
		r = (last.r + 1) % 16
	case 2:
		r = (last.r + 15) % 16
	default:
		if gpsChange {
			r = uint8(d(dxy, p.arena.Lazy(&c.returnNumber[last.r], 16)))
		} else {
			sym := d(dxy, c.returnGPSSame)
			r = uint8((uint32(last.r) + sym + 2) % 16)
		}
	}
	last.r = r
	n &= 15
	r &= 15
	m := int(NumberReturnMap6ctx[n][r])
	l := NumberReturnLevel8ctx[n][r]
	cpr := uint32(0)
	if r == 1 {
		cpr = 2
	}
	if r >= n {
		cpr++
	}
	one := uint32(0)
	if n == 1 {
		one = 1
	}

	idx := m<<1 | gpsBit
	diff := c.icDX.Decode(dxy, c.xMedian[idx].Get(), one)
	last.x += diff
	c.xMedian[idx].Add(diff)

	k := c.icDX.K()
	ctx := one + 20
	if k < 20 {
		ctx = one + k&^1
	}
	diff = c.icDY.Decode(dxy, c.yMedian[idx].Get(), ctx)
	last.y += diff
	c.yMedian[idx].Add(diff)

	if p.present[LayerZ] {
		k = (c.icDX.K() + c.icDY.K()) / 2
		ctx = one + 18
		if k < 18 {
			ctx = one + k&^1
		}
		last.z = c.icZ.Decode(&p.dec[LayerZ], c.lastZ[l], ctx)
		c.lastZ[l] = last.z
	}
	if p.present[LayerClass] {
		ccc := int(last.class&0x1F) << 1
		if cpr == 3 {
			ccc++
		}
		last.class = uint8(d(&p.dec[LayerClass], p.arena.Lazy(&c.class[ccc], 256)))
	}
	if p.present[LayerFlags] {
		lf := last.edge<<5 | last.scanDir<<4 | last.classFlags
		f := d(&p.dec[LayerFlags], p.arena.Lazy(&c.flags[lf&63], 64))
		last.edge = uint8(f>>5) & 1
		last.scanDir = uint8(f>>4) & 1
		last.classFlags = uint8(f) & 15
	}
	if p.present[LayerIntensity] {
		i := cpr<<1 | uint32(gpsBit)
		last.intensity = uint16(c.icIntensity.Decode(&p.dec[LayerIntensity], int32(c.lastIntensity[i]), cpr))
		c.lastIntensity[i] = last.intensity
	}
	if p.present[LayerScanAngle] && scanAngleChange {
		last.scanAngle = int16(c.icScanAngle.Decode(&p.dec[LayerScanAngle], int32(last.scanAngle), uint32(gpsBit)))
	}
	if p.present[LayerUserData] {
		last.userData = uint8(d(&p.dec[LayerUserData], p.arena.Lazy(&c.userData[last.userData/4], 256)))
	}
	if p.present[LayerSourceID] && sourceChange {
		last.sourceID = uint16(c.icSourceID.Decode(&p.dec[LayerSourceID], int32(last.sourceID), 0))
	}
	if p.present[LayerGPS] && gpsChange {
		gd := &p.dec[LayerGPS]
		for try := 0; ; try++ {
			if try > maxSequenceSwitches {
				gd.SetCorrupt()
				break
			}
			if c.decodeGPS(gd) {
				break
			}
		}
		last.gps = c.gpsTimes[c.gpsLast]
	}
	last.write(out)
	last.gpsChange = gpsChange
}

// d is shorthand for decoding one symbol.
func d(dec *arith.Decoder, m *arith.Model) uint32 { return dec.DecodeSymbol(m) }

// decodeGPS mirrors gps11v2.decodeOnce with the POINT14 code points
// (no "unchanged" code: the changed-values symbol says that).
func (c *p14Context) decodeGPS(dec *arith.Decoder) bool {
	last := c.gpsLast
	if c.gpsDiffs[last] == 0 {
		multi := int32(dec.DecodeSymbol(c.gpsZeroDiff))
		switch {
		case multi == 0:
			c.gpsDiffs[last] = c.icGPS.Decode(dec, 0, 0)
			c.gpsTimes[last] += int64(c.gpsDiffs[last])
			c.gpsExtreme[last] = 0
		case multi == 1:
			c.fullGPS(dec)
		default:
			c.gpsLast = (last + int(multi) - 1) & 3
			return false
		}
		return true
	}
	multi := int32(dec.DecodeSymbol(c.gpsMulti))
	switch {
	case multi == 1:
		c.gpsTimes[last] += int64(c.icGPS.Decode(dec, c.gpsDiffs[last], 1))
		c.gpsExtreme[last] = 0
	case multi < GPS14CodeFull:
		var diff int32
		switch {
		case multi == 0:
			diff = c.icGPS.Decode(dec, 0, 7)
			c.bumpExtreme(diff)
		case multi < GPSMulti:
			ctx := uint32(2)
			if multi >= 10 {
				ctx = 3
			}
			diff = c.icGPS.Decode(dec, multi*c.gpsDiffs[last], ctx)
		case multi == GPSMulti:
			diff = c.icGPS.Decode(dec, multi*c.gpsDiffs[last], 4)
			c.bumpExtreme(diff)
		default:
			multi = GPSMulti - multi
			if multi > GPSMultiMinus {
				diff = c.icGPS.Decode(dec, multi*c.gpsDiffs[last], 5)
			} else {
				diff = c.icGPS.Decode(dec, GPSMultiMinus*c.gpsDiffs[last], 6)
				c.bumpExtreme(diff)
			}
		}
		c.gpsTimes[last] += int64(diff)
	case multi == GPS14CodeFull:
		c.fullGPS(dec)
	default:
		c.gpsLast = (last + int(multi) - GPS14CodeFull) & 3
		return false
	}
	return true
}

func (c *p14Context) bumpExtreme(diff int32) {
	c.gpsExtreme[c.gpsLast]++
	if c.gpsExtreme[c.gpsLast] > 3 {
		c.gpsDiffs[c.gpsLast] = diff
		c.gpsExtreme[c.gpsLast] = 0
	}
}

func (c *p14Context) fullGPS(dec *arith.Decoder) {
	c.gpsNext = (c.gpsNext + 1) & 3
	hi := c.icGPS.Decode(dec, int32(c.gpsTimes[c.gpsLast]>>32), 8)
	c.gpsTimes[c.gpsNext] = int64(hi)<<32 | int64(dec.ReadInt())
	c.gpsLast = c.gpsNext
	c.gpsDiffs[c.gpsLast] = 0
	c.gpsExtreme[c.gpsLast] = 0
}

// rgb14v3 decodes RGB14 (6 bytes, one layer) or RGBNIR14 (8 bytes, two
// layers: RGB then NIR).
type rgb14v3 struct {
	nir     bool
	dec     [2]arith.Decoder
	present [2]bool
	ctx     [4]*rgb14Context
	current int
	v4      bool
	arena   *arith.Arena
}

type rgb14Context struct {
	rgb     RGBModels
	nirUsed *arith.Model
	nirDiff [2]*arith.Model
	last    [4]uint16
}

func (r *rgb14v3) newContext(last [4]uint16) *rgb14Context {
	c := &rgb14Context{rgb: NewRGBModels(r.arena), last: last}
	if r.nir {
		c.nirUsed = r.arena.Get(4)
		c.nirDiff[0] = r.arena.Get(256)
		c.nirDiff[1] = r.arena.Get(256)
	}
	return c
}

func (r *rgb14v3) size() int {
	if r.nir {
		return 8
	}
	return 6
}

func (r *rgb14v3) numLayers() int {
	if r.nir {
		return 2
	}
	return 1
}

func (r *rgb14v3) first(raw []byte, ctx *int) {
	var last [4]uint16
	c := GetRGB(raw)
	copy(last[:], c[:])
	if r.nir {
		last[3] = binary.LittleEndian.Uint16(raw[6:])
	}
	r.ctx = [4]*rgb14Context{}
	r.current = *ctx & 3
	r.ctx[r.current] = r.newContext(last)
}

func (r *rgb14v3) setLayers(layers [][]byte) {
	for i := 0; i < r.numLayers(); i++ {
		r.present[i] = len(layers[i]) > 0
		if r.present[i] {
			r.dec[i].Init(layers[i])
		}
	}
}

func (r *rgb14v3) failed() bool {
	return (r.present[0] && r.dec[0].Failed()) || (r.present[1] && r.dec[1].Failed())
}

func (r *rgb14v3) decode(out []byte, ctxIn *int) {
	c := r.ctx[r.current]
	if ctx := *ctxIn & 3; ctx != r.current {
		r.current = ctx
		if r.ctx[ctx] == nil {
			r.ctx[ctx] = r.newContext(c.last)
			c = r.ctx[ctx]
		} else if r.v4 {
			c = r.ctx[ctx]
		}
		// v3 keeps predicting from the previous channel's last value but
		// with the new channel's models.
	}
	models := r.ctx[r.current]
	if r.present[0] {
		v := decodeRGB(&r.dec[0], &models.rgb, [3]uint16{c.last[0], c.last[1], c.last[2]})
		c.last[0], c.last[1], c.last[2] = v[0], v[1], v[2]
	}
	putRGB(out, [3]uint16{c.last[0], c.last[1], c.last[2]})
	if !r.nir {
		return
	}
	if r.present[1] {
		dec := &r.dec[1]
		sym := dec.DecodeSymbol(models.nirUsed)
		last := c.last[3]
		var v uint16
		if sym&1 != 0 {
			v = uint16(uint8(dec.DecodeSymbol(models.nirDiff[0]) + uint32(last&0xFF)))
		} else {
			v = last & 0xFF
		}
		if sym&2 != 0 {
			v |= uint16(uint8(dec.DecodeSymbol(models.nirDiff[1])+uint32(last>>8))) << 8
		} else {
			v |= last & 0xFF00
		}
		c.last[3] = v
	}
	binary.LittleEndian.PutUint16(out[6:], c.last[3])
}

// byte14v3 decodes extra bytes, one layer per byte.
type byte14v3 struct {
	n       int
	dec     []arith.Decoder
	present []bool
	ctx     [4]*byte14Context
	current int
	v4      bool
	arena   *arith.Arena
}

type byte14Context struct {
	models []*arith.Model
	last   []byte
}

func newByte14v3(n int, a *arith.Arena) *byte14v3 {
	return &byte14v3{n: n, dec: make([]arith.Decoder, n), present: make([]bool, n), arena: a}
}

func (b *byte14v3) newContext(last []byte) *byte14Context {
	// Models are created when a byte first changes: a hostile record of
	// 65 535 extra bytes must not cost 65 535 models up front.
	return &byte14Context{models: make([]*arith.Model, b.n), last: append([]byte(nil), last...)}
}

func (b *byte14v3) size() int      { return b.n }
func (b *byte14v3) numLayers() int { return b.n }

func (b *byte14v3) first(raw []byte, ctx *int) {
	b.ctx = [4]*byte14Context{}
	b.current = *ctx & 3
	b.ctx[b.current] = b.newContext(raw[:b.n])
}

func (b *byte14v3) setLayers(layers [][]byte) {
	for i := 0; i < b.n; i++ {
		b.present[i] = len(layers[i]) > 0
		if b.present[i] {
			b.dec[i].Init(layers[i])
		}
	}
}

func (b *byte14v3) failed() bool {
	for i := range b.dec {
		if b.present[i] && b.dec[i].Failed() {
			return true
		}
	}
	return false
}

func (b *byte14v3) decode(out []byte, ctxIn *int) {
	c := b.ctx[b.current]
	if ctx := *ctxIn & 3; ctx != b.current {
		b.current = ctx
		if b.ctx[ctx] == nil {
			b.ctx[ctx] = b.newContext(c.last)
			c = b.ctx[ctx]
		} else if b.v4 {
			c = b.ctx[ctx]
		}
	}
	models := b.ctx[b.current].models
	for i := 0; i < b.n; i++ {
		if b.present[i] {
			c.last[i] += uint8(b.dec[i].DecodeSymbol(b.arena.Lazy(&models[i], 256)))
		}
	}
	copy(out, c.last)
}
