// Engine.run of the six mission arms × n patients (tally mode), as Benchmarks/Simulation's
// "six arms × 10⁶ patients, T thread(s)": wall and process CPU per iteration, medians.
// With a fifth argument, an economics file (data/economics-example.json), each patient's
// costs, QALYs and life-years are accrued too, as Benchmarks/Economics' "with costs".
import Foundation
import NENSim

let args = CommandLine.arguments
let threads = args.count > 1 ? Int(args[1])! : 2
let iterations = args.count > 2 ? Int(args[2])! : 20
let n = args.count > 3 ? Int(args[3])! : 1_000_000
let economics = args.count > 4 ? try! EconomicInputs.load(path: args[4]) : nil
let mission = ["ssa", "everolimus", "sunitinib", "prrt", "tace", "rfa"]
let calibrator = Calibrator(catalogue: try! EvidenceCatalogue.bundled())
let arms = mission.map { try! calibrator.model(for: $0) }

func cpu() -> Double {
    var u = rusage(); getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6
}
func now() -> Double { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9 }

var walls: [Double] = [], cpus: [Double] = []
var check = 0
for _ in 0..<iterations {
    var request = SimulationRequest(arms: arms, patientsPerArm: n, seed: 1, threads: threads, recordLimit: 0)
    request.economics = economics
    let w = now(), c = cpu()
    let r = Engine.run(request)
    walls.append(now() - w); cpus.append(cpu() - c)
    check &+= r.tallies.map { $0.pfs.events[10] &+ $0.os.censored.last! }.reduce(0, &+)
}
func median(_ x: [Double]) -> Double { let s = x.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
let ms = { (x: Double) in String(format: "%.1f", x * 1000) }
print("six arms × \(n)\(economics == nil ? "" : " with costs"), \(threads) thread(s), \(iterations) iterations: wall median \(ms(median(walls))) ms (\(ms(walls.min()!))–\(ms(walls.max()!))), CPU median \(ms(median(cpus))) ms, \(String(format: "%.1f", Double(6 * n) / median(walls) / 1e6)) M patients/s [check \(check)]")
