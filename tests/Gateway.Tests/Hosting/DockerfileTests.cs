using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// No Docker engine runs here, so the image is never built in the tests: these keep
/// <c>docker/Dockerfile</c>, <c>docker/compose.yaml</c> and <c>docker/nginx.conf</c> honest against the
/// repository and against each other, and the tests of the published gateway cover the process the
/// image runs.
/// </summary>
public sealed partial class DockerfileTests
{
    private static string Root => PublishedGateway.RepositoryRoot;

    private static string DockerDirectory => Path.Combine(Root, "docker");

    private static Dockerfile Image { get; } = Dockerfile.Read(Path.Combine(Root, "docker", "Dockerfile"));

    private static DockerIgnore Ignored { get; } = DockerIgnore.Read(Path.Combine(Root, ".dockerignore"));

    private static string Compose { get; } = File.ReadAllText(Path.Combine(Root, "docker", "compose.yaml"));

    private static string Nginx { get; } = File.ReadAllText(Path.Combine(Root, "docker", "nginx.conf"));

    [Fact]
    public void Every_file_the_Dockerfile_copies_from_the_build_context_exists_and_is_not_dockerignored()
    {
        var copies = Image.CopiesFromContext().ToList();
        Assert.NotEmpty(copies);
        foreach (var source in copies.SelectMany(copy => copy.Sources))
        {
            var path = Path.Combine(Root, source.TrimEnd('/'));
            Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY {source}: no {path} in the repository.");
            Assert.False(Ignored.Excludes(source.TrimEnd('/')), $"COPY {source}: .dockerignore keeps it out of the build context.");
        }
    }

    [Fact]
    public void The_projects_it_restores_and_publishes_exist_and_are_copied_with_what_they_reference_first()
    {
        var runs = Image.Instructions.Where(i => i.Keyword == "RUN").ToList();
        var restore = Assert.Single(runs, r => r.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var publish = Assert.Single(runs, r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));

        foreach (var run in (Instruction[])[restore, publish])
        {
            var project = ProjectOf(run);
            Assert.True(File.Exists(Path.Combine(Root, project)), $"{run.Arguments}: no {project} in the repository.");
        }

        Assert.Equal(ProjectOf(restore), ProjectOf(publish));
        Assert.Contains("--no-restore", publish.Arguments, StringComparison.Ordinal);

        // Restore needs every project file the published project references, and the shared props;
        // publish needs the files the projects link from outside their own folder (appsettings.json).
        var projects = ProjectClosure(ProjectOf(publish));
        foreach (var needed in projects.Concat(["Directory.Build.props", "Directory.Packages.props", "global.json"]))
        {
            Assert.True(Image.CopiesBefore(restore, needed), $"{needed} is not copied before `{restore.Arguments}`.");
        }

        foreach (var linked in projects.SelectMany(LinkedFilesOutsideProject))
        {
            Assert.True(File.Exists(Path.Combine(Root, linked)), $"{linked}, linked by a project, is not in the repository.");
            Assert.True(Image.CopiesBefore(publish, linked), $"{linked} is not copied before `{publish.Arguments}`.");
        }
    }

    [Fact]
    public void The_image_runs_as_a_non_root_user()
    {
        var user = Image.Final.LastOrDefault(i => i.Keyword == "USER");

        Assert.NotNull(user);
        var name = user.Arguments.Split(':')[0].Trim();
        Assert.DoesNotContain(name, (string[])["", "root", "0"]);
    }

    [Fact]
    [FullTier("the published gateway")]
    public async Task The_entrypoint_runs_the_Gateway_dll_that_dotnet_publish_produces()
    {
        var entrypoint = Assert.Single(Image.Final, i => i.Keyword == "ENTRYPOINT");
        Assert.Equal(["dotnet", "Gateway.dll"], JsonSerializer.Deserialize<string[]>(entrypoint.Arguments)!);

        // The dll is looked up in the working directory, where the publish output is copied to.
        var output = OutputOf(Assert.Single(Image.Instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)));
        var workdir = Assert.Single(Image.Final, i => i.Keyword == "WORKDIR").Arguments;
        var copy = Assert.Single(Image.Final, i => i.Keyword == "COPY");
        Assert.Contains("--from=", copy.Arguments, StringComparison.Ordinal);
        Assert.Equal([output], copy.Sources);
        Assert.Contains(copy.Destination, (string[])["./", ".", workdir, workdir + "/"]);

        var published = await PublishedGateway.PathAsync(TestContext.Current.CancellationToken);
        Assert.Equal("Gateway.dll", Path.GetFileName(published));
        Assert.True(File.Exists(published));
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(published)!, "appsettings.json")), "appsettings.json is not in the publish output.");
    }

    [Fact]
    public void The_exposed_port_is_the_one_the_gateway_listens_on()
    {
        var port = Image.Environment("ASPNETCORE_HTTP_PORTS");
        var expose = Assert.Single(Image.Final, i => i.Keyword == "EXPOSE");

        Assert.Equal(port, expose.Arguments.Split('/')[0]);
        Assert.Matches("^[0-9]+$", port);
    }

    [Fact]
    public void No_Sunra_key_is_baked_into_the_image()
    {
        Assert.DoesNotContain(Image.Instructions, i => i.Arguments.Contains("SUNRA_KEY", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Compose_builds_the_Dockerfile_from_the_repository_root_and_mounts_only_files_that_exist()
    {
        var context = Assert.Single(ContextLine().Matches(Compose)).Groups[1].Value;
        var dockerfile = Assert.Single(DockerfileLine().Matches(Compose)).Groups[1].Value;
        Assert.Equal(Path.GetFullPath(Root), Path.GetFullPath(Path.Combine(DockerDirectory, context)));
        Assert.True(File.Exists(Path.Combine(Root, dockerfile)), $"compose.yaml builds {dockerfile}, which does not exist.");

        var mounts = BindMount().Matches(Compose).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("./nginx.conf", mounts);
        foreach (var mount in mounts)
        {
            Assert.True(File.Exists(Path.Combine(DockerDirectory, mount)), $"compose.yaml mounts {mount}, which is not in docker/.");
        }
    }

    [Fact]
    public void The_operators_secret_and_settings_files_never_reach_the_build_context()
    {
        var secret = Assert.Single(SecretFile().Matches(Compose)).Groups[1].Value;
        var envFile = Assert.Single(EnvFilePath().Matches(Compose)).Groups[1].Value;

        foreach (var file in (string[])[secret, envFile])
        {
            var relative = Path.GetRelativePath(Root, Path.Combine(DockerDirectory, file)).Replace('\\', '/');
            Assert.True(Ignored.Excludes(relative), $"{relative} is sent to the builder: add it to .dockerignore.");
        }
    }

    [Fact]
    public void Nginx_balances_over_every_gateway_replica_on_the_port_the_image_listens_on()
    {
        var upstream = Assert.Single(UpstreamBlock().Matches(Nginx)).Groups[1].Value;
        var servers = UpstreamServer().Matches(upstream).Select(m => (Host: m.Groups[1].Value, Port: m.Groups[2].Value)).ToList();
        var replicas = ComposeServices().Where(s => s.Body.Contains("<<: *gateway", StringComparison.Ordinal) && !s.Body.Contains("entrypoint:", StringComparison.Ordinal))
            .Select(s => s.Name).ToList();

        Assert.True(replicas.Count >= 2, "compose.yaml should run at least two gateway replicas.");
        Assert.Equal(replicas.Order(StringComparer.Ordinal), servers.Select(s => s.Host).Order(StringComparer.Ordinal));
        Assert.All(servers, server => Assert.Equal(Image.Environment("ASPNETCORE_HTTP_PORTS"), server.Port));

        // nginx listens where compose publishes it.
        var listen = Assert.Single(NginxListen().Matches(Nginx)).Groups[1].Value;
        var nginx = Assert.Single(ComposeServices(), s => s.Name == "nginx");
        Assert.Matches($"\"[0-9]+:{listen}\"", nginx.Body);
    }

    [Fact]
    public void The_gateways_trust_forwarded_headers_from_nginx_alone()
    {
        var nginx = Assert.Single(ComposeServices(), s => s.Name == "nginx");
        var address = Assert.Single(Ipv4Address().Matches(nginx.Body)).Groups[1].Value;
        var trusted = Assert.Single(KnownNetwork().Matches(Compose)).Groups[1].Value;

        Assert.Equal($"{address}/32", trusted);
    }

    [Fact]
    [FullTier("the published gateway")]
    public async Task The_sandbox_profiles_emulator_runs_a_dll_the_publish_output_has()
    {
        var emulator = Assert.Single(ComposeServices(), s => s.Name == "emulator");
        Assert.Contains("profiles: [\"sandbox\"]", emulator.Body, StringComparison.Ordinal);
        var entrypoint = JsonSerializer.Deserialize<string[]>(Assert.Single(Entrypoint().Matches(emulator.Body)).Groups[1].Value)!;
        Assert.Equal("dotnet", entrypoint[0]);

        var directory = Path.GetDirectoryName(await PublishedGateway.PathAsync(TestContext.Current.CancellationToken))!;
        Assert.True(File.Exists(Path.Combine(directory, entrypoint[1])), $"{entrypoint[1]} is not in the publish output.");
        Assert.True(File.Exists(Path.Combine(directory, Path.ChangeExtension(entrypoint[1], ".runtimeconfig.json"))), $"{entrypoint[1]} cannot be started: it has no runtimeconfig.json.");
    }

    private static string ProjectOf(Instruction run) =>
        Assert.Single(DotnetProject().Matches(run.Arguments)).Groups[1].Value;

    private static string OutputOf(Instruction run) =>
        Assert.Single(DotnetOutput().Matches(run.Arguments)).Groups[1].Value;

    /// <summary>The project and every project it references, transitively, relative to the repository root.</summary>
    private static List<string> ProjectClosure(string project)
    {
        var found = new List<string>();
        var pending = new Queue<string>([project]);
        while (pending.TryDequeue(out var next))
        {
            if (found.Contains(next))
            {
                continue;
            }

            found.Add(next);
            var directory = Path.GetDirectoryName(Path.Combine(Root, next))!;
            foreach (var reference in XDocument.Load(Path.Combine(Root, next)).Descendants("ProjectReference"))
            {
                var path = Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Enqueue(Path.GetRelativePath(Root, path).Replace('\\', '/'));
            }
        }

        return found;
    }

    /// <summary>Files a project includes from outside its own folder, relative to the repository root.</summary>
    private static IEnumerable<string> LinkedFilesOutsideProject(string project)
    {
        var directory = Path.GetDirectoryName(Path.Combine(Root, project))!;
        return XDocument.Load(Path.Combine(Root, project)).Descendants()
            .Where(item => item.Name.LocalName is "Content" or "None" or "EmbeddedResource" or "Compile")
            .Select(item => item.Attribute("Include")?.Value.Replace('\\', '/'))
            .Where(include => include is not null && include.StartsWith("../", StringComparison.Ordinal))
            .Select(include => Path.GetRelativePath(Root, Path.GetFullPath(Path.Combine(directory, include!))).Replace('\\', '/'));
    }

    /// <summary>The services of compose.yaml: each name (two spaces in under <c>services:</c>) with the lines of its block.</summary>
    private static List<(string Name, string Body)> ComposeServices()
    {
        var services = new List<(string Name, string Body)>();
        var inServices = false;
        foreach (var line in Compose.Split('\n'))
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]) && !line.StartsWith('#'))
            {
                inServices = line.TrimEnd() == "services:";
                continue;
            }

            if (!inServices)
            {
                continue;
            }

            var service = ServiceName().Match(line);
            if (service.Success)
            {
                services.Add((service.Groups[1].Value, ""));
            }
            else if (services.Count > 0)
            {
                services[^1] = (services[^1].Name, services[^1].Body + line + "\n");
            }
        }

        return services;
    }

    [GeneratedRegex(@"dotnet\s+(?:restore|publish)\s+(\S+\.csproj)")]
    private static partial Regex DotnetProject();

    [GeneratedRegex(@"(?:--output|-o)\s+(\S+)")]
    private static partial Regex DotnetOutput();

    [GeneratedRegex(@"^\s+context:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ContextLine();

    [GeneratedRegex(@"^\s+dockerfile:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex DockerfileLine();

    [GeneratedRegex(@"^\s+-\s+""?(\./[^:""\s]+):", RegexOptions.Multiline)]
    private static partial Regex BindMount();

    [GeneratedRegex(@"^\s+file:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex SecretFile();

    [GeneratedRegex(@"^\s+-\s+path:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex EnvFilePath();

    [GeneratedRegex(@"^  ([A-Za-z0-9._-]+):\s*$")]
    private static partial Regex ServiceName();

    [GeneratedRegex(@"^\s+ipv4_address:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Ipv4Address();

    [GeneratedRegex(@"Gateway__ForwardedHeaders__KnownNetworks__0:\s*(\S+)")]
    private static partial Regex KnownNetwork();

    [GeneratedRegex(@"^\s+entrypoint:\s*(\[.*\])\s*$", RegexOptions.Multiline)]
    private static partial Regex Entrypoint();

    [GeneratedRegex(@"upstream\s+gateway\s*\{([^}]*)\}")]
    private static partial Regex UpstreamBlock();

    [GeneratedRegex(@"^\s*server\s+([A-Za-z0-9._-]+):([0-9]+)", RegexOptions.Multiline)]
    private static partial Regex UpstreamServer();

    [GeneratedRegex(@"^\s*listen\s+([0-9]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NginxListen();

    /// <summary>One instruction, continuation lines joined, in the stage it belongs to (0 is the first <c>FROM</c>).</summary>
    private sealed record Instruction(int Index, int Stage, string Keyword, string Arguments)
    {
        private IEnumerable<string> Words =>
            Arguments.StartsWith('[') ? JsonSerializer.Deserialize<string[]>(Arguments)! : Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        private List<string> Paths => [.. Words.Where(word => !word.StartsWith("--", StringComparison.Ordinal))];

        public IReadOnlyList<string> Sources => Paths[..^1];

        public string Destination => Paths[^1];
    }

    private sealed class Dockerfile(List<Instruction> instructions)
    {
        public IReadOnlyList<Instruction> Instructions => instructions;

        public IEnumerable<Instruction> Final => instructions.Where(i => i.Stage == instructions[^1].Stage);

        public static Dockerfile Read(string path)
        {
            var instructions = new List<Instruction>();
            var stage = -1;
            var pending = "";
            foreach (var raw in File.ReadAllLines(path))
            {
                var line = raw.Trim();
                if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
                {
                    continue;
                }

                if (line.EndsWith('\\'))
                {
                    pending += line[..^1] + " ";
                    continue;
                }

                line = (pending + line).Trim();
                pending = "";
                if (line.Length == 0)
                {
                    continue;
                }

                var space = line.IndexOf(' ', StringComparison.Ordinal);
                var keyword = line[..space].ToUpperInvariant();
                if (keyword == "FROM")
                {
                    stage++;
                }

                instructions.Add(new Instruction(instructions.Count, stage, keyword, line[(space + 1)..].Trim()));
            }

            return new Dockerfile(instructions);
        }

        /// <summary>COPY and ADD from the build context (not <c>--from</c> another stage).</summary>
        public IEnumerable<Instruction> CopiesFromContext() =>
            instructions.Where(i => i.Keyword is "COPY" or "ADD" && !i.Arguments.Contains("--from=", StringComparison.Ordinal));

        /// <summary>Whether a COPY in the same stage, before <paramref name="run"/>, brings <paramref name="file"/> (itself or a folder holding it).</summary>
        public bool CopiesBefore(Instruction run, string file) =>
            CopiesFromContext().Where(copy => copy.Stage == run.Stage && copy.Index < run.Index)
                .SelectMany(copy => copy.Sources)
                .Any(source => source == file || (source.EndsWith('/') && file.StartsWith(source, StringComparison.Ordinal)));

        /// <summary>The value an <c>ENV</c> of the final stage gives <paramref name="name"/>.</summary>
        public string Environment(string name) =>
            Final.Where(i => i.Keyword == "ENV")
                .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(pair => pair.Split('=', 2))
                .Single(pair => pair[0] == name)[1].Trim('"');
    }

    /// <summary><c>.dockerignore</c>'s rules: a path is left out when the last pattern matching it or a folder above it is not a <c>!</c> exception.</summary>
    private sealed class DockerIgnore(List<(Regex Pattern, bool Exception)> patterns)
    {
        public static DockerIgnore Read(string path)
        {
            var patterns = new List<(Regex, bool)>();
            if (!File.Exists(path))
            {
                return new DockerIgnore(patterns);
            }

            foreach (var raw in File.ReadAllLines(path))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                var exception = line.StartsWith('!');
                var pattern = line.TrimStart('!').Trim('/');
                var regex = Regex.Escape(pattern)
                    .Replace(@"\*\*/", "(?:.*/)?", StringComparison.Ordinal)
                    .Replace(@"\*\*", ".*", StringComparison.Ordinal)
                    .Replace(@"\*", "[^/]*", StringComparison.Ordinal)
                    .Replace(@"\?", "[^/]", StringComparison.Ordinal);
                patterns.Add((new Regex($"^{regex}$", RegexOptions.CultureInvariant), exception));
            }

            return new DockerIgnore(patterns);
        }

        public bool Excludes(string path)
        {
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var prefixes = Enumerable.Range(1, parts.Length).Select(n => string.Join('/', parts[..n])).ToList();
            var excluded = false;
            foreach (var (pattern, exception) in patterns)
            {
                if (prefixes.Any(pattern.IsMatch))
                {
                    excluded = !exception;
                }
            }

            return excluded;
        }
    }
}
