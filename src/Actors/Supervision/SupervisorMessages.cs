using Akka.Actor;

namespace Rlrun.Actors;

/// <summary>Answered with <see cref="ContainerList"/>: the latest snapshot of every supervised container.</summary>
public sealed record ListContainers
{
    public static readonly ListContainers Instance = new();
}

public sealed record ContainerList(IReadOnlyList<ContainerSnapshot> Containers);

/// <summary>Answered with <see cref="ContainerFound"/>; Actor is null for an unknown ID.</summary>
public sealed record FindContainer(string Id);

public sealed record ContainerFound(string Id, IActorRef? Actor);

/// <summary>Take over every container that has a supervision record under the state root (the
/// daemon's start); answered with <see cref="ContainersAdopted"/> once each has been told to adopt.</summary>
public sealed record AdoptAll
{
    public static readonly AdoptAll Instance = new();
}

public sealed record ContainersAdopted(IReadOnlyList<string> Ids, IReadOnlyList<string> Warnings);
