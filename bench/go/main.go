// Command producebench drives a Kafka broker with N independent franz-go producer clients (N
// separate kgo.Clients: separate connections, each with its own in-flight window) for a bounded
// time and prints one JSON line: records sent, acked, failed, msg/s, MB/s and per-record produce
// latency percentiles taken from the promise callbacks.
//
// Without -rate it produces as fast as the clients' buffers allow (closed loop); latency then
// includes time spent queued in the client. With -rate (records/s over all producers) each
// producer paces itself and latency is measured from the record's scheduled send time (or its
// actual one, if earlier), so a stalled broker shows up as latency instead of silently lowering
// the offered load.
//
// Only records started in the measured window (after -warmup) count.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/bits"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

type options struct {
	bootstrap       string
	topic           string
	partitions      int
	create          bool
	acks            string
	recordBytes     int
	producers       int
	duration        time.Duration
	warmup          time.Duration
	ratePerSec      float64
	linger          time.Duration
	paceQuantum     time.Duration
	inflight        int
	bufferRecords   int
	bufferBytes     int
	batchMaxBytes   int
	drainTimeout    time.Duration
	metadataTimeout time.Duration
}

type summary struct {
	Topic          string  `json:"topic"`
	Partitions     int     `json:"partitions"`
	Acks           string  `json:"acks"`
	RecordBytes    int     `json:"recordBytes"`
	Producers      int     `json:"producers"`
	TargetRate     float64 `json:"targetRatePerSec"`
	WindowSec      float64 `json:"windowSec"`
	Sent           int64   `json:"sent"`
	Acked          int64   `json:"acked"`
	Errors         int64   `json:"errors"`
	Canceled       int64   `json:"canceled"`
	FirstError     string  `json:"firstError,omitempty"`
	MsgPerSec      float64 `json:"msgPerSec"`
	MBPerSec       float64 `json:"mbPerSec"`
	P50Ms          float64 `json:"p50Ms"`
	P99Ms          float64 `json:"p99Ms"`
	P999Ms         float64 `json:"p999Ms"`
	MaxMs          float64 `json:"maxMs"`
	ClientCPUSec   float64 `json:"clientCpuSec"`
	ProduceErrors  string  `json:"errorKinds,omitempty"`
	OverloadedSecs float64 `json:"pacingBehindSec"`
	// SlowWindows lists the 100 ms windows (by record start, seconds into the measured window)
	// in which some record took over 10 ms: [start s, max ms, records over 10 ms], first 40.
	SlowWindows [][3]float64 `json:"slowWindows,omitempty"`
}

func parseFlags() (options, error) {
	var o options
	flag.StringVar(&o.bootstrap, "bootstrap", "127.0.0.1:9092", "comma-separated seed brokers")
	flag.StringVar(&o.topic, "topic", "bench", "topic to produce to")
	flag.IntVar(&o.partitions, "partitions", 1, "partitions of the topic (created with -create)")
	flag.BoolVar(&o.create, "create", true, "create the topic first (an existing topic is fine)")
	flag.StringVar(&o.acks, "acks", "all", "1 or all (all uses idempotent producers)")
	flag.IntVar(&o.recordBytes, "record-bytes", 1024, "value bytes per record (no key)")
	flag.IntVar(&o.producers, "producers", 1, "independent producer clients")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured window")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured time before the window")
	flag.Float64Var(&o.ratePerSec, "rate", 0, "target records/s over all producers; 0 = unbounded")
	flag.DurationVar(&o.linger, "linger", 0, "producer linger")
	flag.DurationVar(&o.paceQuantum, "pace-quantum", time.Millisecond, "with -rate, send records due within this at once instead of sleeping")
	flag.IntVar(&o.inflight, "inflight", 5, "produce requests in flight per client (acks=1 only; idempotent is 5)")
	flag.IntVar(&o.bufferRecords, "buffer-records", 10000, "max buffered records per client")
	flag.IntVar(&o.bufferBytes, "buffer-bytes", 4<<20, "max buffered value bytes per client")
	flag.IntVar(&o.batchMaxBytes, "batch-max-bytes", 1<<20, "max record batch bytes")
	flag.DurationVar(&o.drainTimeout, "drain-timeout", 15*time.Second, "max wait for outstanding records after the window")
	flag.DurationVar(&o.metadataTimeout, "setup-timeout", 15*time.Second, "max time to create the topic and connect")
	flag.Parse()
	switch {
	case o.acks != "1" && o.acks != "all":
		return o, fmt.Errorf("-acks must be 1 or all, not %q", o.acks)
	case o.producers < 1 || o.producers > 1024:
		return o, fmt.Errorf("-producers must be in [1, 1024], not %d", o.producers)
	case o.partitions < 1 || o.partitions > 10000:
		return o, fmt.Errorf("-partitions must be in [1, 10000], not %d", o.partitions)
	case o.recordBytes < 1 || o.recordBytes > o.batchMaxBytes/2:
		return o, fmt.Errorf("-record-bytes must be in [1, batch-max-bytes/2], not %d", o.recordBytes)
	case o.duration <= 0 || o.duration > 10*time.Minute:
		return o, fmt.Errorf("-duration must be in (0, 10m], not %s", o.duration)
	case o.warmup < 0 || o.warmup > time.Minute:
		return o, fmt.Errorf("-warmup must be in [0, 1m], not %s", o.warmup)
	case o.ratePerSec < 0:
		return o, fmt.Errorf("-rate must be >= 0, not %g", o.ratePerSec)
	case o.inflight < 1 || o.inflight > 64:
		return o, fmt.Errorf("-inflight must be in [1, 64], not %d", o.inflight)
	}
	return o, nil
}

// producer is one client plus what its promises observed. Promises of one kgo.Client run
// serially, but the summary is read from another goroutine, hence the mutex.
type producer struct {
	client     *kgo.Client
	mu         sync.Mutex
	hist       histogram
	sent       int64
	acked      int64
	errors     int64
	canceled   int64
	firstError string
	errorKinds map[string]int64
	behind     time.Duration
	timeline   timeline
}

func newProducer(o options) (*producer, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(o.bootstrap, ",")...),
		kgo.DefaultProduceTopic(o.topic),
		kgo.ProducerLinger(o.linger),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.MaxBufferedRecords(o.bufferRecords),
		kgo.MaxBufferedBytes(o.bufferBytes),
		kgo.ProducerBatchMaxBytes(int32(o.batchMaxBytes)),
		kgo.RecordDeliveryTimeout(o.drainTimeout),
	}
	if o.acks == "all" {
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	} else {
		// franz-go's idempotent producer requires acks=all.
		opts = append(opts,
			kgo.RequiredAcks(kgo.LeaderAck()),
			kgo.DisableIdempotentWrite(),
			kgo.MaxProduceRequestsInflightPerBroker(o.inflight),
		)
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	return &producer{client: cl, errorKinds: map[string]int64{}}, nil
}

func (p *producer) finish(start time.Time, windowStart time.Time, err error) {
	latency := time.Since(start)
	p.mu.Lock()
	defer p.mu.Unlock()
	counted := !start.Before(windowStart)
	switch {
	case err == nil:
		if counted {
			p.acked++
			p.hist.record(latency)
			p.timeline.record(start.Sub(windowStart), latency)
		}
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		p.canceled++
	default:
		if counted {
			p.errors++
		}
		if p.firstError == "" {
			p.firstError = err.Error()
		}
		kind := err.Error()
		var ke *kerr.Error
		if errors.As(err, &ke) {
			kind = ke.Message
		}
		if len(p.errorKinds) < 16 {
			p.errorKinds[kind]++
		}
	}
}

// run produces until stopAt. Records started before windowStart are warm-up: sent, not counted.
func (p *producer) run(ctx context.Context, o options, value []byte, perProducerRate float64,
	begin, windowStart, stopAt time.Time) {
	var n int64
	for {
		now := time.Now()
		if !now.Before(stopAt) || ctx.Err() != nil {
			return
		}
		start := now
		if perProducerRate > 0 {
			// Open loop: record n is due at begin + n/rate. Latency counts from the earlier of
			// due and actual send time, so a stalled broker shows up as latency (no coordinated
			// omission), and a record sent up to one quantum early is not flattered.
			due := begin.Add(time.Duration(float64(n) / perProducerRate * float64(time.Second)))
			if wait := due.Sub(now); wait > o.paceQuantum {
				time.Sleep(wait)
				continue
			}
			if due.Before(start) {
				start = due
			}
			if lag := now.Sub(due); lag > 100*time.Millisecond {
				p.mu.Lock()
				if lag > p.behind {
					p.behind = lag
				}
				p.mu.Unlock()
			}
		}
		n++
		if !start.Before(windowStart) {
			p.mu.Lock()
			p.sent++
			p.mu.Unlock()
		}
		r := &kgo.Record{Value: value}
		p.client.Produce(ctx, r, func(_ *kgo.Record, err error) { p.finish(start, windowStart, err) })
	}
}

func setup(o options) error {
	ctx, cancel := context.WithTimeout(context.Background(), o.metadataTimeout)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(o.bootstrap, ",")...))
	if err != nil {
		return err
	}
	defer cl.Close()
	if !o.create {
		return cl.Ping(ctx)
	}
	adm := kadm.NewClient(cl)
	resp, err := adm.CreateTopics(ctx, int32(o.partitions), 1, nil, o.topic)
	if err != nil {
		return fmt.Errorf("create topic %s: %w", o.topic, err)
	}
	for _, t := range resp {
		if t.Err != nil && !errors.Is(t.Err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("create topic %s: %w (%s)", t.Topic, t.Err, t.ErrMessage)
		}
	}
	return nil
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "producebench:", err)
		os.Exit(2)
	}
	if err := setup(o); err != nil {
		fmt.Fprintln(os.Stderr, "producebench:", err)
		os.Exit(1)
	}
	producers := make([]*producer, 0, o.producers)
	defer func() {
		for _, p := range producers {
			p.client.Close()
		}
	}()
	for i := 0; i < o.producers; i++ {
		p, err := newProducer(o)
		if err != nil {
			fmt.Fprintln(os.Stderr, "producebench:", err)
			os.Exit(1)
		}
		producers = append(producers, p)
	}
	value := make([]byte, o.recordBytes)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	cpu0 := cpuSeconds()
	start := time.Now()
	windowStart := start.Add(o.warmup)
	stopAt := windowStart.Add(o.duration)
	// The hard deadline bounds a blocked Produce and the drain if the broker stalls.
	ctx, cancel := context.WithDeadline(context.Background(), stopAt.Add(o.drainTimeout))
	defer cancel()
	var wg sync.WaitGroup
	for _, p := range producers {
		wg.Add(1)
		go func(p *producer) {
			defer wg.Done()
			p.run(ctx, o, value, o.ratePerSec/float64(o.producers), start, windowStart, stopAt)
			_ = p.client.Flush(ctx)
		}(p)
	}
	wg.Wait()
	cpu1 := cpuSeconds()

	s := summary{
		Topic: o.topic, Partitions: o.partitions, Acks: o.acks, RecordBytes: o.recordBytes,
		Producers: o.producers, TargetRate: o.ratePerSec, WindowSec: o.duration.Seconds(),
		ClientCPUSec: cpu1 - cpu0,
	}
	var all histogram
	var line timeline
	kinds := map[string]int64{}
	for _, p := range producers {
		p.mu.Lock()
		s.Sent += p.sent
		s.Acked += p.acked
		s.Errors += p.errors
		s.Canceled += p.canceled
		if s.FirstError == "" {
			s.FirstError = p.firstError
		}
		for k, v := range p.errorKinds {
			kinds[k] += v
		}
		if b := p.behind.Seconds(); b > s.OverloadedSecs {
			s.OverloadedSecs = b
		}
		all.merge(&p.hist)
		line.merge(&p.timeline)
		p.mu.Unlock()
	}
	if len(kinds) > 0 {
		parts := make([]string, 0, len(kinds))
		for k, v := range kinds {
			parts = append(parts, fmt.Sprintf("%s=%d", k, v))
		}
		s.ProduceErrors = strings.Join(parts, ",")
	}
	// Throughput: records started in the window and acked, over the window's length.
	s.MsgPerSec = float64(s.Acked) / o.duration.Seconds()
	s.MBPerSec = s.MsgPerSec * float64(o.recordBytes) / 1e6
	s.P50Ms = all.quantile(0.50)
	s.P99Ms = all.quantile(0.99)
	s.P999Ms = all.quantile(0.999)
	s.MaxMs = float64(all.max) / 1e3
	s.SlowWindows = line.slow(40)
	out, err := json.Marshal(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "producebench:", err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}

// histogram is log-linear over microseconds: values below 128 µs exactly, above that 64
// sub-buckets per power of two (under 1.6% error). Fixed size, so memory does not grow with
// the record count.
const (
	linearMicros = 128
	subBuckets   = 64
	maxExponent  = 40
	bucketCount  = linearMicros + maxExponent*subBuckets
)

type histogram struct {
	counts [bucketCount]int64
	total  int64
	max    int64
}

func bucketOf(us int64) int {
	if us < linearMicros {
		if us < 0 {
			return 0
		}
		return int(us)
	}
	shift := bits.Len64(uint64(us)) - 7 // keep the top 7 bits: 64..127
	idx := linearMicros + (shift-1)*subBuckets + int(us>>shift) - subBuckets
	if idx >= bucketCount {
		return bucketCount - 1
	}
	return idx
}

// midpointOf is the value (µs) a bucket stands for.
func midpointOf(idx int) float64 {
	if idx < linearMicros {
		return float64(idx)
	}
	shift := (idx-linearMicros)/subBuckets + 1
	sub := (idx-linearMicros)%subBuckets + subBuckets
	low := int64(sub) << shift
	return float64(low) + float64(int64(1)<<shift)/2
}

func (h *histogram) record(d time.Duration) {
	us := d.Microseconds()
	h.counts[bucketOf(us)]++
	h.total++
	if us > h.max {
		h.max = us
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	if o.max > h.max {
		h.max = o.max
	}
}

// quantile returns milliseconds; 0 for an empty histogram.
func (h *histogram) quantile(q float64) float64 {
	if h.total == 0 {
		return 0
	}
	rank := int64(q*float64(h.total)+0.5) - 1
	if rank < 0 {
		rank = 0
	}
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			v := midpointOf(i)
			if m := float64(h.max); v > m {
				v = m
			}
			return v / 1e3
		}
	}
	return float64(h.max) / 1e3
}

// timeline keeps, per 100 ms of the measured window, the slowest record and how many records
// took over 10 ms: where a latency tail comes from one stall or many.
const (
	timelineStep    = 100 * time.Millisecond
	timelineBuckets = 6000 // 10 minutes, the longest allowed window
	slowThreshold   = 10 * time.Millisecond
)

type timeline struct {
	max  [timelineBuckets]time.Duration
	over [timelineBuckets]int64
}

func (t *timeline) record(at, latency time.Duration) {
	i := int(at / timelineStep)
	if i < 0 || i >= timelineBuckets {
		return
	}
	if latency > t.max[i] {
		t.max[i] = latency
	}
	if latency > slowThreshold {
		t.over[i]++
	}
}

func (t *timeline) merge(o *timeline) {
	for i := range t.max {
		if o.max[i] > t.max[i] {
			t.max[i] = o.max[i]
		}
		t.over[i] += o.over[i]
	}
}

// slow lists up to limit windows with a record over the threshold, in time order.
func (t *timeline) slow(limit int) [][3]float64 {
	var out [][3]float64
	for i := range t.max {
		if t.over[i] == 0 {
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, [3]float64{
			float64(i) * timelineStep.Seconds(),
			float64(t.max[i].Microseconds()) / 1e3,
			float64(t.over[i]),
		})
	}
	return out
}
