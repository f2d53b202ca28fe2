using System.Diagnostics;
using Rlrun.CriTests;
using Rlrun.CriTests.Cri;

// bench/cri.sh's driver. Usage: CriBench RLRUN N
// For each of N rounds, a pod with handler rlrun and one with handler runc (the order alternating):
//   start = RunPodSandbox + CreateContainer + StartContainer until the container's first line is in
//           its CRI log (its process is running);
//   stop  = StopContainer (it exits on TERM) + StopPodSandbox + RemovePodSandbox.
// Every run is checked: the line is logged, the exit code is 0, the pod is gone. Prints the medians
// and the ratios rlrun/runc.
if (args.Length != 2 || !int.TryParse(args[1], out int rounds) || rounds < 1)
{
    Console.Error.WriteLine("usage: CriBench RLRUN N");
    return 2;
}
if (PrivateContainerd.Missing is { } why) { Console.Error.WriteLine($"cri bench: {why}"); return 1; }

using var c = new PrivateContainerd(args[0], "cri-bench-");
if (c.Error is not null) { Console.Error.WriteLine($"cri bench: {c.Error}"); return 1; }
var k = new Kubelet(c);
c.Images.PullImage(new PullImageRequest { Image = new ImageSpec { Image = c.PodImage } });
c.Images.PullImage(new PullImageRequest { Image = new ImageSpec { Image = c.PauseImage } });

string[] handlers = ["rlrun", "runc"];
var start = handlers.ToDictionary(h => h, _ => new List<double>());
var stop = handlers.ToDictionary(h => h, _ => new List<double>());
for (int round = -1; round < rounds; round++) // round -1 warms both up, unmeasured
{
    foreach (var h in round % 2 == 0 ? handlers : handlers.Reverse())
    {
        var (up, down) = OnePod(k, h, $"bench-{h}-{round + 1}");
        if (round < 0) continue;
        start[h].Add(up);
        stop[h].Add(down);
        Console.Error.WriteLine($"cri bench: {h} pod {round + 1}: start {up:F1} ms, stop {down:F1} ms");
    }
}

static double Median(List<double> xs)
{
    var s = xs.Order().ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

Console.WriteLine($"pods per handler: {rounds} (interleaved, same containerd)");
Console.WriteLine($"{"handler",-8} {"start median ms",16} {"stop median ms",15}");
foreach (var h in handlers) Console.WriteLine($"{h,-8} {Median(start[h]),16:F1} {Median(stop[h]),15:F1}");
Console.WriteLine($"ratio rlrun/runc: start {Median(start["rlrun"]) / Median(start["runc"]):F2}, stop {Median(stop["rlrun"]) / Median(stop["runc"]):F2} (goal <= 0.8)");
return 0;

static (double Start, double Stop) OnePod(Kubelet k, string handler, string name)
{
    var pod = k.PodConfig(name);
    var t = Stopwatch.StartNew();
    string podId = k.RunPod(pod, handler);
    // `sleep & wait`: a trapped TERM ends the wait at once, where a foreground `sleep 0.1` would
    // hold the trap back until it ends (0-100 ms of the workload's own in every stop, both handlers).
    string id = k.Create(podId, pod, k.ContainerConfig("app", "/bin/sh", "-c", "trap 'exit 0' TERM; echo up; while :; do sleep 1 & wait $!; done"));
    k.Start(id);
    string log = Path.Join(pod.LogDirectory, "app.log");
    if (!Kubelet.WaitForLog(log, "up", TimeSpan.FromSeconds(30)))
        throw new InvalidOperationException($"{handler} pod {name}: no 'up' in {log}");
    double up = t.Elapsed.TotalMilliseconds;

    t.Restart();
    k.Stop(id, 10);
    t.Stop();
    var status = k.Status(id);
    if (status.State != ContainerState.ContainerExited || status.ExitCode != 0)
        throw new InvalidOperationException($"{handler} pod {name}: after StopContainer: {status.State}, exit code {status.ExitCode}");
    t.Start();
    k.StopPod(podId);
    k.RemovePod(podId);
    double down = t.Elapsed.TotalMilliseconds;
    if (k.Runtime.ListPodSandbox(new ListPodSandboxRequest()).Items.Any(s => s.Id == podId))
        throw new InvalidOperationException($"{handler} pod {name}: still listed after RemovePodSandbox");
    return (up, down);
}
